# language: da
Egenskab: Rådet som mødeportal: beslutninger på mødet, fristen som tidspunkt og beslutningsdygtighed
  For at Rådets beslutninger træffes, hvor og når Rådet mødes, og kun når Rådet er beslutningsdygtigt
  som sekretariat, rådsmedlem og rådsformand
  ser vi grundlaget for hver beslutning og registrerer undtagelser

  Baggrund:
    Givet det er mandag den 2. marts 2026 kl. 9.00
    Og rådet har 7 medlemmer:
      | medlem         | navn             | organisation     | formand |
      | chair          | Chair            | KL               | ja      |
      | councillor     | Councillor       | KOMBIT           | nej     |
      | raad_aarhus    | Anne Østergaard  | Aarhus Kommune   | nej     |
      | raad_odense    | Bent Sørensen    | Odense Kommune   | nej     |
      | raad_aalborg   | Camilla Nørgaard | Aalborg Kommune  | nej     |
      | raad_vejle     | Dorte Kjær       | Vejle Kommune    | nej     |
      | raad_hjoerring | Erik Ravn        | Hjørring Kommune | nej     |
    Og "secretary" har oprettet rådsmødet "Rådsmøde marts 2026" mandag den 16. marts 2026 kl. 10.00 med frist for punkter torsdag den 5. marts 2026

  Scenarie: Fristen for punkter er et tidspunkt, og et forslag sat på før dagsordenen bygges, kommer med
    Så er fristen for punkter torsdag den 5. marts 2026 kl. 12.00
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Når fristen for punkter udløber
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og "secretary" bygger dagsordenen
    Og udsendelsestidspunktet er passeret
    Så har hvert af de 7 medlemmer en holdningsopgave til "Fælles brugerstyring"

  Scenarie: Beslutningen træffes på mødet, også når alle holdninger er afgivet før
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og dagsordenen er udsendt
    Når medlemmerne tilkendegiver "agree" i alle deres holdningsopgaver
    Så har "chair" ingen beslutningsopgave mandag den 16. marts 2026 kl. 9.59
    Når mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så har "chair" opgaven "Rådets beslutning"
    Når "chair" beslutter "Fælles brugerstyring" som godkendt
    Så er beslutningen om "Fælles brugerstyring" truffet på mødet "Rådsmøde marts 2026, KL, Weidekampsgade 10"

  Scenarie: Uden beslutningsdygtighed besluttes et punkt kun med en registreret undtagelse
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og dagsordenen er udsendt
    Når "chair" tilkendegiver "agree" til "Fælles brugerstyring" med kommentaren "Godt forslag"
    Og "councillor" tilkendegiver "agree" til "Fælles brugerstyring" med kommentaren "Enig"
    Og "raad_aarhus" tilkendegiver "object" til "Fælles brugerstyring" med kommentaren "For bred afgrænsning"
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så viser formandens beslutningsopgave 2 enige, 1 indsigelse og 4 medlemmer uden holdning
    Og viser opgaven, at Rådet ikke er beslutningsdygtigt (3 af 7 deltager)
    Og viser opgaven "Godkendt med ændringer" som et forslag fra beslutningstabellen
    Og kan "chair" ikke beslutte "approved" uden en undtagelse, og punktet er uafgjort
    Når "chair" beslutter "Fælles brugerstyring" som godkendt med undtagelsen "Sagen hastede; to medlemmer var forhindret"
    Så er punktet "Fælles brugerstyring" besluttet "approved" med undtagelsen "Sagen hastede; to medlemmer var forhindret"
