# language: da
Egenskab: Lukkede og udsatte punkter på Rådets dagsorden
  For at fortrolige sager kan behandles, og et punkt kan flyttes til et senere møde
  som sekretariat, rådsmedlem og rådsformand
  lukker, åbner og udsætter vi punkter, uden at offentligheden ser det lukkede

  Baggrund:
    Givet det er mandag den 2. marts 2026 kl. 9.00
    Og rådet har 3 medlemmer:
      | medlem      | navn            | organisation   | formand |
      | chair       | Chair           | KL             | ja      |
      | councillor  | Councillor      | KOMBIT         | nej     |
      | raad_aarhus | Anne Østergaard | Aarhus Kommune | nej     |
    Og "secretary" har oprettet rådsmødet "Rådsmøde marts 2026" mandag den 16. marts 2026 kl. 10.00 med frist for punkter torsdag den 5. marts 2026

  Scenarie: Et lukket punkt er usynligt i alle offentlige kanaler, indtil formanden åbner det
    Givet "secretary" har tilføjet beslutningspunktet "Leverandørforhandling Zebrafisk" med materialet "tilbud.txt"
    Og "secretary" har lukket punktet "Leverandørforhandling Zebrafisk" med begrundelsen "Forhandling med leverandør"
    Og dagsordenen er udsendt
    Så viser den offentlige mødeside "Lukket punkt" og intet om "Zebrafisk"
    Og nævner hverken Atom-feedet, søgningen, det offentlige API eller kalenderen "Zebrafisk"
    Og får en anonym bruger 404 på materialet til "Leverandørforhandling Zebrafisk"
    Og får "outsider" uden for Rådet 404 på materialet til "Leverandørforhandling Zebrafisk"
    Og ser "councillor" punktet "Leverandørforhandling Zebrafisk" og dets materiale
    Når "chair" åbner punktet "Leverandørforhandling Zebrafisk"
    Så viser den offentlige mødeside "Leverandørforhandling Zebrafisk"
    Og er lukningen og åbningen registreret i revisionssporet

  Scenarie: Et udsat punkt tager forslagets sag med til det senere møde, der beslutter det
    Givet der også er rådsmødet "Rådsmøde april 2026" mandag den 13. april 2026 kl. 10.00
    Og arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og dagsordenen er udsendt
    Når "councillor" tilkendegiver "agree" til "Fælles brugerstyring" med kommentaren "Fint"
    Og "secretary" udsætter "Fælles brugerstyring" til "Rådsmøde april 2026" med begrundelsen "Høringsnotatet mangler"
    Så har ingen en holdningsopgave på "Rådsmøde marts 2026", og den tilbagetrukne opgave er lukket af systemet
    Og siger mødesiden for "Rådsmøde marts 2026" "Udsat til mødet Rådsmøde april 2026"
    Og siger mødesiden for "Rådsmøde april 2026" "Udsat fra mødet Rådsmøde marts 2026"
    Og viser sagen for forslaget "Fælles brugerstyring" mødet "Rådsmøde april 2026"
    Når mødet holdes mandag den 16. marts 2026 kl. 10.00
    Så venter "Rådsmøde marts 2026" ikke på en beslutning, og forslaget "Fælles brugerstyring" har ingen beslutning
    Når Rådet holder "Rådsmøde april 2026", hvor alle medlemmer tilkendegiver "agree"
    Og "chair" beslutter "Fælles brugerstyring" som godkendt
    Så forslaget "Fælles brugerstyring" er afsluttet med status "approved"
    Og har "councillor" stadig én holdning "agree" til "Fælles brugerstyring"

  Scenarie: Uden beslutningsdygtighed udsætter formanden punktet til et senere møde
    Givet der også er rådsmødet "Rådsmøde april 2026" mandag den 13. april 2026 kl. 10.00
    Og arbejdsgruppen "Brugerstyring" med lederen "lead" har forslaget "Fælles brugerstyring" klar til rådet
    Og "secretary" sætter forslaget "Fælles brugerstyring" på mødets dagsorden
    Og dagsordenen er udsendt
    Når "chair" tilkendegiver "agree" til "Fælles brugerstyring" med kommentaren "Godt forslag"
    Og mødet holdes mandag den 16. marts 2026 kl. 10.00
    Og "chair" udsætter i sin beslutning "Fælles brugerstyring" til "Rådsmøde april 2026" med begrundelsen "Rådet er ikke beslutningsdygtigt"
    Så er "Fælles brugerstyring" på dagsordenen til "Rådsmøde april 2026"
    Og venter "Rådsmøde marts 2026" ikke på en beslutning, og forslaget "Fælles brugerstyring" har ingen beslutning

  Scenarie: Udsættelse til et afholdt møde afvises på feltet, og intet ændres
    Givet "secretary" har tilføjet beslutningspunktet "Fælles datamodel" med materialet "model.txt"
    Og der også er rådsmødet "Ekstraordinært rådsmøde" tirsdag den 10. marts 2026 kl. 10.00
    Når klokken bliver onsdag den 11. marts 2026 kl. 9.00
    Og "secretary" prøver at udsætte "Fælles datamodel" til "Ekstraordinært rådsmøde"
    Så afvises udsættelsen på feltet "meeting_id" med "Det møde er holdt eller ligger i fortiden: vælg et senere møde."
    Og er "Fælles datamodel" stadig på dagsordenen til "Rådsmøde marts 2026" uden udsættelser
