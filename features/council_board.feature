# language: da
Egenskab: Rådet som bestyrelse: inhabilitet, stedfortrædere, fremmøde og beslutningsdygtighed
  For at Rådets beslutninger træffes af de medlemmer, der lovligt kan deltage
  som rådsmedlem, rådsformand og sekretariat
  registrerer vi inhabilitet, afbud med stedfortræder og fremmøde som fakta i processen

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
    Og arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden

  Scenarie: Et inhabilt medlem får ingen holdningsopgave, tæller ikke med i beslutningsdygtigheden og nævnes i referatet
    Når "raad_vejle" erklærer sig inhabil i "Fælles brugerstyring" med begrundelsen "Vejle Kommune har skrevet forslaget"
    Og "chair" afgør, at "raad_vejle" er inhabil i "Fælles brugerstyring"
    Og dagsordenen udsendes
    Så har "raad_vejle" ingen holdningsopgave til "Fælles brugerstyring"
    Når medlemmerne tilkendegiver "agree" i alle deres holdningsopgaver
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så viser formandens beslutningsopgave "Dorte Kjær" som inhabil, og Rådet er beslutningsdygtigt (6 af 6 deltager)
    Når "chair" beslutter "Fælles brugerstyring" som godkendt
    Så står der i referatet af "Fælles brugerstyring": "Dorte Kjær deltog ikke i behandlingen af punktet på grund af inhabilitet"
    Og viser den offentlige mødeside ikke begrundelsen "Vejle Kommune har skrevet forslaget"

  Scenarie: Inhabilitet afgjort efter udsendelsen trækker holdningsopgaven tilbage, og det inhabile medlem kan ikke tilkendegive
    Givet dagsordenen er udsendt
    Når "secretary" rejser inhabilitet for "raad_vejle" i "Fælles brugerstyring" med begrundelsen "Medlemmet er part i sagen"
    Og "chair" afgør, at "raad_vejle" er inhabil i "Fælles brugerstyring"
    Så har "raad_vejle" ingen holdningsopgave til "Fælles brugerstyring"
    Og er holdningsopgaven trukket tilbage af systemet i revisionssporet
    Og kan "raad_vejle" ikke tilkendegive en holdning til "Fælles brugerstyring", og intet ændres

  Scenarie: Kun formanden afgør inhabilitet
    Når "raad_vejle" erklærer sig inhabil i "Fælles brugerstyring" med begrundelsen "Min kommune er leverandør"
    Så kan "councillor" ikke afgøre inhabiliteten for "raad_vejle" i "Fælles brugerstyring", og intet ændres

  Scenarie: En stedfortræder tilkendegiver for det fraværende medlem, og det registreres som "Y for X"
    Givet brugeren "sted_aalborg" med navnet "Sofie Stedfortræder"
    Når "raad_aalborg" melder afbud til mødet med stedfortræderen "sted_aalborg"
    Og dagsordenen udsendes
    Så har "sted_aalborg" opgaven "Tilkendegiv holdning"
    Når "sted_aalborg" tilkendegiver "object" for "raad_aalborg" til "Fælles brugerstyring"
    Så er holdningen til "Fælles brugerstyring" registreret som "Sofie Stedfortræder for Camilla Nørgaard" i revisionssporet og på mødesiden

  Scenarie: En stedfortræder kan ikke handle uden for sit møde
    Givet brugeren "sted_aalborg" med navnet "Sofie Stedfortræder"
    Og "secretary" har også oprettet "Rådsmøde april 2026" med beslutningspunktet "Fælles datamodel"
    Når "raad_aalborg" melder afbud til mødet med stedfortræderen "sted_aalborg"
    Og dagsordenen udsendes
    Så kan "sted_aalborg" ikke tage "raad_aalborg"s holdningsopgave på "Rådsmøde april 2026", og intet ændres

  Scenarie: Fremmødet afgør, hvem der deltager, og stedfortrædere tæller for deres medlem
    Givet brugeren "sted_aalborg" med navnet "Sofie Stedfortræder"
    Når "raad_aalborg" melder afbud til mødet med stedfortræderen "sted_aalborg"
    Og dagsordenen udsendes
    Og "chair" tilkendegiver "agree" til "Fælles brugerstyring" med kommentaren "Godt forslag"
    Og "secretary" registrerer fremmødet mandag den 16. marts 2026 kl. 9.45:
      | medlem         | fremmøde      |
      | chair          | present       |
      | councillor     | present       |
      | raad_aarhus    | present       |
      | raad_odense    | absent        |
      | raad_aalborg   | substitute    |
      | raad_vejle     | absent        |
      | raad_hjoerring | absent        |
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så viser formandens beslutningsopgave Rådet som beslutningsdygtigt efter fremmødet (4 af 7 deltager)
    Og viser mødesiden fremmødet med "Sofie Stedfortræder for Camilla Nørgaard"

  Scenarie: Fremmøde med ugyldige valg afvises felt for felt, og intet ændres
    Givet dagsordenen er udsendt
    Så afviser sekretariatet fremmødet mandag den 16. marts 2026 kl. 9.45, når "raad_vejle" er "substitute" uden stedfortræder
