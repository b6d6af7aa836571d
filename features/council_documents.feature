# language: da
Egenskab: Dagsordenspakken og referatet som tilgængelige dokumenter
  For at rådets medlemmer og offentligheden kan læse møderne uden for systemet
  som sekretariat, rådsmedlem og borger
  får vi dagsordenen med bilag og referatet som tilgængelige PDF-dokumenter i en intern og en offentlig udgave

  Baggrund:
    Givet det er mandag den 2. marts 2026 kl. 9.00
    Og rådet har 2 medlemmer:
      | medlem     | navn       | organisation | formand |
      | chair      | Chair      | KL           | ja      |
      | councillor | Councillor | KOMBIT       | nej     |
    Og "secretary" har oprettet rådsmødet "Rådsmøde marts 2026" mandag den 16. marts 2026 kl. 10.00 med frist for punkter torsdag den 5. marts 2026

  Scenarie: Dagsordenspakken udsendes med bilag, og det lukkede punkt er kun en pladsholder i den offentlige udgave
    Givet mødet har beslutningspunktet "Fælles brugerstyring" med bilaget "brugerstyring.pdf"
    Og mødet har det lukkede punkt "Udbud af login-løsning" med bilaget "priser.pdf"
    Når dagsordenen udsendes
    Så er dagsordenspakken gemt i en intern og en offentlig udgave med sha256
    Og den offentlige dagsordenspakke er et tagget PDF på dansk med titlen "Dagsorden: Rådsmøde marts 2026"
    Og den offentlige dagsordenspakke viser "Lukket punkt" men ikke "Udbud af login-løsning"
    Og den interne dagsordenspakke har bogmærket "Bilag: priser.pdf" under "2. Udbud af login-løsning"
    Og en anonym kan hente den offentlige dagsordenspakke men ikke den interne
    Når "secretary" tilføjer bilaget "eftersendt.pdf" til punktet "Fælles brugerstyring" med begrundelsen "Eftersendt"
    Så har begge udgaver af dagsordenspakken version 2

  Scenarie: Referatet nævner inhabilitet og stedfortræder, og den offentlige udgave holder begrundelsen intern
    Givet mødet har beslutningspunktet "Fælles brugerstyring" med bilaget "brugerstyring.pdf"
    Og dagsordenen udsendes
    Og formanden har afgjort, at "councillor" er inhabil på punktet "Fælles brugerstyring" med begrundelsen "Ansat hos leverandøren"
    Og "councillor" har meldt afbud med "admin" som stedfortræder
    Når rådet beslutter alle punkter, og referatet godkendes ved stilhed
    Så siger det offentlige referat "Councillor deltog ikke i behandlingen af punktet på grund af inhabilitet."
    Og siger det offentlige referat "Admin (stedfortræder for Councillor)"
    Og siger det offentlige referat ikke "Ansat hos leverandøren"
    Og siger det interne referat "Begrundelse: Ansat hos leverandøren"
