# language: da
Egenskab: Rådsmøde med dagsorden, holdninger, beslutninger og referat
  For at kommunerne kan følge, hvad Kommunernes It-Arkitekturråd beslutter
  som sekretariat, rådsmedlem og rådsformand
  forbereder vi møderne, registrerer holdninger og beslutninger og godkender referatet ved stilhed

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

  Scenarie: Et rådsmøde med tre punkter fra to arbejdsgrupper
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og arbejdsgruppen "Data" med lederen "dataleder" har forslaget "Data genbruges" klar til rådet
    Når "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og "secretary" sætter forslaget "Data genbruges" på mødets dagsorden
    Og "secretary" tilføjer orienteringspunktet "Status på KOMBIT's fælleskommunale infrastruktur"
    Så er mødet ikke offentligt
    Når fristen for punkter udløber
    Så har "secretary" opgaven "Byg dagsordenen"
    Når "secretary" bygger dagsordenen
    Så udsendes dagsordenen mandag den 9. marts 2026 kl. 10.00
    Og mødet er stadig ikke offentligt mandag den 9. marts 2026 kl. 9.59
    Når udsendelsestidspunktet er passeret
    Så viser den offentlige mødeside dagsordenen med punkterne "Fælles brugerstyring", "Data genbruges" og "Status på KOMBIT's fælleskommunale infrastruktur"
    Og hvert af de 7 medlemmer har en holdningsopgave til hvert af de 2 beslutningspunkter
    Og orienteringspunktet "Status på KOMBIT's fælleskommunale infrastruktur" har ingen holdningsopgaver
    Og der ligger 7 mails "Dagsorden: Rådsmøde marts 2026" i udbakken, én til hvert medlem
    Når alle medlemmer tilkendegiver "agree" til begge beslutningspunkter, men "raad_odense" gør indsigelse mod "Fælles brugerstyring"
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så har "chair" opgaven "Rådets beslutning"
    Og foreslår beslutningstabellen formanden "approved_with_changes" for "Fælles brugerstyring" ud fra 6 enige og 1 indsigelse
    Når "chair" beslutter "Fælles brugerstyring" som godkendt med ændringerne "Gælder borgerrettede løsninger fra 2027"
    Så foreslår beslutningstabellen formanden "approved" for "Data genbruges" ud fra 7 enige og 0 indsigelser
    Når "chair" sender "Data genbruges" tilbage med begrundelsen "Afgræns til grunddata og beskriv forholdet til FORM"
    Så er punktet "Fælles brugerstyring" besluttet "approved_with_changes" med det foreslåede udfald "approved_with_changes"
    Og er punktet "Data genbruges" besluttet "sent_back" med det foreslåede udfald "approved"
    Og orienteringspunktet "Status på KOMBIT's fælleskommunale infrastruktur" har ingen holdninger og ingen beslutning
    Og principkataloget indeholder "Fælles brugerstyring" i version 1 med ændringerne "Gælder borgerrettede løsninger fra 2027" og et link til mødet
    Og forslaget "Fælles brugerstyring" er afsluttet med status "approved_with_changes"
    Og har "dataleder" opgaven "Udarbejd og indsend forslag" på forslaget "Data genbruges"
    Og forslaget "Data genbruges" har status "sent_back" og begrundelsen "Afgræns til grunddata og beskriv forholdet til FORM"
    Og har "secretary" opgaven "Skriv referat"
    Og den offentlige mødeside viser endnu ikke beslutningerne

  Scenarie: Referatet godkendes ved stilhed
    Givet rådet har behandlet forslaget "Fælles brugerstyring" og godkendt det med ændringerne "Gælder fra 2027"
    Når "secretary" skriver referatet af punktet "Fælles brugerstyring": "Rådet drøftede afgrænsningen og godkendte princippet."
    Og "secretary" sender referatet "Mødet blev holdt hos KL. Alle medlemmer deltog." til godkendelse mandag den 16. marts 2026 kl. 15.00
    Så er referatet til godkendelse med frist for indsigelser mandag den 23. marts 2026 kl. 23.59
    Og der ligger 7 mails "Referat til godkendelse: Rådsmøde marts 2026" i udbakken, én til hvert medlem
    Og referatet og beslutningerne er endnu ikke offentlige
    Når det bliver mandag den 23. marts 2026 kl. 23.59 uden indsigelser
    Så er referatet stadig til godkendelse
    Når fristen for indsigelser er passeret
    Så er referatet offentliggjort, og mødet er afsluttet
    Og den offentlige mødeside viser referatet "Mødet blev holdt hos KL. Alle medlemmer deltog."
    Og den offentlige mødeside viser referatet af punktet "Rådet drøftede afgrænsningen og godkendte princippet."
    Og den offentlige mødeside viser beslutningen "Godkendt med ændringer" med ændringerne "Gælder fra 2027"
    Og rådets Atom-feed viser "Godkendt med ændringer: Fælles brugerstyring" og "Referat: Rådsmøde marts 2026"

  Scenarie: En indsigelse sender referatet tilbage
    Givet rådet har behandlet forslaget "Fælles brugerstyring" og godkendt det med ændringerne "Gælder fra 2027"
    Og "secretary" sender referatet "Første udkast" til godkendelse mandag den 16. marts 2026 kl. 15.00
    Når "raad_aalborg" gør indsigelse mod referatet: "Min bemærkning om FORM mangler i referatet"
    Og fristen for indsigelser er passeret
    Så har "secretary" opgaven "Skriv referat"
    Og referatet er ikke offentliggjort
    Og opgaven viser det hidtidige referat "Første udkast"
    Når "secretary" sender referatet "Andet udkast med bemærkningen om FORM" til godkendelse tirsdag den 24. marts 2026 kl. 10.00
    Så er referatet til godkendelse i runde 2 med frist for indsigelser tirsdag den 31. marts 2026 kl. 23.59
    Og der ligger 14 mails "Referat til godkendelse: Rådsmøde marts 2026" i udbakken, to til hvert medlem
    Når fristen for indsigelser er passeret
    Så er referatet offentliggjort, og mødet er afsluttet
    Og den offentlige mødeside viser referatet "Andet udkast med bemærkningen om FORM"
    Og den offentlige mødeside viser ikke indsigelsen "Min bemærkning om FORM mangler i referatet"

  Scenarie: Ugyldige handlinger ændrer intet
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og dagsordenen er udsendt
    Så kan "outsider" ikke tilkendegive en holdning til "Fælles brugerstyring", og intet er registreret
    Og kan "secretary" ikke tilkendegive en holdning til "Fælles brugerstyring", og intet er registreret
    Og kan "raad_vejle" ikke tage "raad_aarhus"'s holdningsopgave
    Når "raad_aarhus" tilkendegiver "object" til "Fælles brugerstyring" med kommentaren "For bred afgrænsning"
    Og "raad_aarhus" ændrer sin holdning til "Fælles brugerstyring" til "agree" med kommentaren "Afgrænsningen er præciseret"
    Så har "raad_aarhus" én holdning "agree" til "Fælles brugerstyring", som er ændret 1 gang
    Når "secretary" prøver at tilføje punktet "Eventuelt" uden begrundelse
    Så afvises ændringen, og dagsordenen er uændret
    Når "secretary" tilføjer punktet "Orientering om FORM" med begrundelsen "Nyt materiale fra KOMBIT"
    Så er ændringen "Punkt tilføjet: Orientering om FORM" registreret med begrundelsen "Nyt materiale fra KOMBIT"
    Og den offentlige mødeside viser ændringen med begrundelsen "Nyt materiale fra KOMBIT"
    Når alle øvrige medlemmer tilkendegiver "agree" til "Fælles brugerstyring"
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så kan "councillor" ikke træffe rådets beslutning
    Og kan "chair" ikke beslutte "approved_with_changes" uden ændringer, og punktet er uafgjort
    Og kan "chair" ikke beslutte "sent_back" uden begrundelse, og punktet er uafgjort
    Når "chair" beslutter "Fælles brugerstyring" som godkendt
    Så kan "raad_aarhus" ikke længere ændre sin holdning til "Fælles brugerstyring"
    Og har "raad_aarhus" stadig én holdning "agree" til "Fælles brugerstyring"

  Scenarie: Et beslutningspunkt kan ikke komme på dagsordenen efter udsendelsen og blive glemt
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og dagsordenen er udsendt
    Når "secretary" prøver at tilføje beslutningspunktet "Mødeplan for 2027" med begrundelsen "Skal besluttes før sommerferien"
    Så afvises beslutningspunktet, og dagsordenen er uændret
    Når "secretary" tilføjer punktet "Mødeplan for 2027" med begrundelsen "Til drøftelse; besluttes på næste møde"
    Og medlemmerne tilkendegiver "agree" i alle deres holdningsopgaver
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Og "chair" godkender alle de punkter, formanden får forelagt
    Så har "secretary" opgaven "Skriv referat"
    Og intet beslutningspunkt på mødet står uden beslutning
    Og mødets status er "minutes"
