# language: da
Egenskab: Høringsnotat, afsnit, overstregning, abonnement og frister i arbejdsdage
  For at høringer følger Justitsministeriets vejledning og Høringsportalens praksis
  som sekretariat og arbejdsgruppe
  udarbejder vi høringsnotatet fra sagen, tager imod bemærkninger til afsnit, overstreger før offentliggørelse
  og lader alle abonnere på nye høringer

  Baggrund:
    Givet det er mandag den 2. marts 2026 kl. 9.00
    Og en høring "Fælles datamodel" med afsnittene "1 Formål", "2 Begreber", "2.1 Sag" og "3 Snitflader"
    Og høringsparterne "Aarhus", "Favrskov", "Hjørring", "Zeta Data ApS" og "Ærø Kommune"
    Og høringen er sendt ud med frist mandag den 13. april 2026

  Scenarie: Høringsnotatet genereres med høringsliste, punkter pr. afsnit og anonyme parter
    Når "Aarhus" svarer "Vi støtter modellen" med bemærkningen "Sag bør følge FORM" til afsnit "2.1"
    Og "Favrskov" svarer "Favrskovs svar" og frabeder sig offentliggørelse
    Og fristen er passeret
    Og "Zeta Data ApS" svarer for sent og svaret optages
    Og "Ærø Kommune" svarer for sent og svaret afvises
    Og arbejdsgruppen noterer punkterne:
      | part          | afsnit | punkt                   | behandling    |
      | Aarhus        | 2.1    | Sag bør følge FORM      | indarbejdet   |
      | Favrskov      | 1      | Formålet bør skærpes    | delvist       |
      | Zeta Data ApS |        | Generel støtte          | noteret       |
    Så har høringsnotatet som Word-dokument høringslisten:
      | part          | svar                                            |
      | Aarhus        | Svar modtaget                                   |
      | Favrskov      | Svar modtaget                                   |
      | Hjørring      | Intet svar                                      |
      | Zeta Data ApS | Svar modtaget efter fristen, medtaget           |
      | Ærø Kommune   | Svar modtaget efter fristen, ikke medtaget      |
    Og har høringsnotatet overskrifterne "Generelle bemærkninger", "1 Formål" og "2.1 Sag" for punkterne
    Og står punktet "Formålet bør skærpes" i høringsnotatet fra "Anonym høringspart"
    Og er høringsnotatet som PDF tilgængeligt med titlen "Høringsnotat: Fælles datamodel"
    Og kan en bemærkning til et afsnit, der ikke findes, ikke afgives, og intet er ændret

  Scenarie: Overstregning før offentliggørelse, også i bemærkninger til afsnit
    Når "Aarhus" svarer "Ring til Jens Jensen på 12345678 om sagen" med bemærkningen "Spørg Mette Hansen om begreberne" til afsnit "2"
    Og "Favrskov" svarer "Mette Hansen fra Favrskov" og frabeder sig offentliggørelse
    Og fristen er passeret
    Så kan sekretariatet ikke overstrege en passage uden for svarets tekst, og intet er ændret
    Og kan sekretariatet ikke overstrege en passage uden for bemærkningen til afsnit "2", og intet er ændret
    Og kan svaret fra "Favrskov", der ikke må offentliggøres, ikke overstreges
    Når sekretariatet overstreger "Jens Jensen på 12345678" i svaret fra "Aarhus" med begrundelsen "Personoplysninger"
    Og sekretariatet overstreger "Mette Hansen" i bemærkningen til afsnit "2" fra "Aarhus" med begrundelsen "Navn"
    Så er begge overstregninger revideret med original og overstreget udgave
    Når arbejdsgruppen noterer punktet "Mette Hansen kan forklare begreberne" til afsnit "2" fra "Aarhus"
    Og høringsnotatet godkendes og offentliggøres
    Så viser den offentlige høringsside "Ring til [overstreget] om sagen"
    Og viser den offentlige høringsside "Spørg [overstreget] om begreberne"
    Og den offentlige høringsside viser ikke "Jens Jensen"
    Og den offentlige høringsside viser ikke "Mette Hansen"
    Og er høringsnotatet gemt som dokumentversion med sha256
    Og står "Mette Hansen" hverken i det offentliggjorte høringsnotat som Word-dokument eller som PDF

  Scenarie: Et abonnement bekræftes og afmeldes
    Når "borger@example.dk" abonnerer på nye høringer
    Så får "borger@example.dk" en mail med et bekræftelseslink
    Når linket åbnes og abonnementet bekræftes
    Og en ny høring "Fælles kalender" sendes ud
    Så får "borger@example.dk" en mail om "Fælles kalender" med et afmeldingslink og List-Unsubscribe
    Når afmeldingslinket bruges med ét klik
    Så er "borger@example.dk" slettet fra abonnenterne
    Og en abonnent med adressen "ikke-en-adresse" afvises, og der sendes intet

  Scenarie: Et abonnement på et emne giver kun besked om høringer om emnet
    Givet arkitekturprincippet 7 "Data genbruges" i kataloget
    Når "emne@example.dk" abonnerer på nye høringer om emnet "7. Data genbruges"
    Så får "emne@example.dk" en mail med et bekræftelseslink om emnet "7. Data genbruges"
    Når linket åbnes og abonnementet bekræftes
    Og en ny høring "Fælles kalender" sendes ud
    Så får "emne@example.dk" ingen mail om "Fælles kalender"
    Når en ny høring "Datadeling" om en regel under princip 7 sendes ud
    Så får "emne@example.dk" en mail om "Datadeling" med et afmeldingslink og List-Unsubscribe
    Når afmeldingslinket bruges med ét klik
    Så er "emne@example.dk" slettet fra abonnenterne
    Og et abonnement på et emne, der ikke findes, afvises, og der sendes intet
    Og et udløbet bekræftelseslink afvises, og intet bekræftes

  Scenarie: En frist på en helligdag afvises, og fristen kan forlænges
    Så kan fristen ikke forlænges til fredag den 3. april 2026, fordi det er "Langfredag"
    Og kan fristen ikke forlænges til lørdag den 28. februar 2026, fordi den ligger før i dag
    Når sekretariatet forlænger fristen til tirsdag den 21. april 2026 med begrundelsen "Påsken"
    Så venter høringens frist-timer til tirsdag den 21. april 2026 kl. 23.59
    Og har "Hjørring" fået besked om den nye frist med begrundelsen "Påsken"
