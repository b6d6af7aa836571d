# language: da
Egenskab: Arkitekturvurdering af et projekt (følg eller forklar)
  For at kommunernes projekter følger den fælles arkitektur
  som projektejer, sekretariat, arbejdsgruppe og Arkitekturboard
  vurderer vi et projekt regel for regel og giver dispensation for forklarede afvigelser

  Baggrund:
    Givet kataloget har tre optagne regler, hvoraf én kun gælder kommuner
    Og Arkitekturboardet har medlemmet "councillor"

  Scenarie: En vurdering fra anmodning til boardets afgørelse med dispensationer
    Når "contact" anmoder om en arkitekturvurdering af "Fælles borgerportal"
    Og "secretary" accepterer anmodningen med arbejdsgruppen og bedømmeren "member"
    Så skal projektet vurdere sig selv mod 3 regler
    Når "contact" vurderer projektet som "afviger, afviger, opfylder" med forklaringer
    Og "member" er enig i selvvurderingen og indstiller "compliant_with_dispensations"
    Og "councillor" godkender vurderingen med dispensationer, der udløber om 200 dage
    Så er vurderingen afgjort som "approved_with_dispensations" af boardet
    Og projektet har 2 dispensationer ejet af "contact"
    Og afgørelsen er ikke offentlig endnu

  Scenarie: Embargoen ophører, når Rådets næste møde er holdt
    Givet en vurdering, som boardet har godkendt
    Når Rådets næste møde er holdt
    Så er afgørelsen offentlig i registret
    Og regelbrugen viser 3 regler, som projektet opfylder

  Scenarie: Boardet sender en vurdering til Rådet
    Givet en vurdering hos boardet med én afvigelse
    Når "councillor" sender vurderingen til Rådet
    Og "secretary" sætter vurderingen på et rådsmødes dagsorden
    Og Rådet godkender punktet på mødet
    Så er vurderingen afgjort som "approved_with_dispensations" af Rådet
    Og afgørelsen er offentlig i registret

  Scenarie: En dispensation udløber, og projektet genvurderes
    Givet en afgjort vurdering med en dispensation, der udløber om 40 dage
    Når det er 20 dage før udløbet
    Så har "contact" fået en påmindelse om dispensationen
    Når udløbsdatoen er passeret
    Så er dispensationen bortfaldet
    Når "contact" vælger at få projektet genvurderet
    Så skal projektet vurdere sig selv mod 3 regler i runde 2

  Scenarie: Sekretariatet afviser en anmodning
    Når "contact" anmoder om en arkitekturvurdering af "Intranet"
    Og "secretary" afviser anmodningen med begrundelsen "Projektet er ikke omfattet"
    Så er vurderingens status "refused"
    Og sagen er afsluttet

  Scenarie: En afvigelse uden forklaring afvises felt for felt
    Givet en vurdering i selvvurdering
    Når "contact" vurderer projektet som "afviger, ikke relevant, opfylder" uden forklaringer
    Så afvises indtastningen med fejl ved forklaringen til regel 1 og regel 2
    Og vurderingen er stadig i selvvurdering

  Scenarie: En dispensation, der udløber i fortiden, afvises
    Givet en vurdering hos boardet med én afvigelse
    Når "councillor" godkender vurderingen med dispensationer, der udløber i dag
    Så afvises indtastningen med fejl ved udløbsdatoen
    Og projektet har 0 dispensationer ejet af "contact"

  Scenarie: En afgørelse af en, der ikke er medlem af boardet, afvises
    Givet en vurdering hos boardet med én afvigelse
    Når "outsider" forsøger at afgøre vurderingen
    Så afvises handlingen som uden for rollen
    Og vurderingen er stadig hos boardet

  Scenarie: En vurdering mod en udfaset regelversion afvises
    Givet en vurdering i selvvurdering
    Og regel 2 er udfaset i kataloget
    Når "contact" vurderer projektet som "opfylder, opfylder, opfylder" med forklaringer
    Så afvises indtastningen med fejl ved regel 2
    Og vurderingen er stadig i selvvurdering

  Scenarie: En forældet fuldførelse afvises
    Givet en vurdering i selvvurdering
    Når "contact" indsender selvvurderingen med en forældet version
    Så afvises indtastningen som forældet
    Og vurderingen er stadig i selvvurdering
