# language: da
Egenskab: Aktindsigt efter offentlighedsloven, opbevaring og sletning af personoplysninger og arkivering
  For at KL lever op til offentlighedsloven og databeskyttelsesreglerne
  som sekretariat og som administrator
  behandler vi anmodninger om aktindsigt inden 7 arbejdsdage, sletter personoplysninger til tiden
  og kan aflevere sager til arkiv, uden at revisionsloggen mister sin beviskraft

  Baggrund:
    Givet det er mandag den 2. marts 2026 kl. 10.00
    Og sagen har dokumenterne "Dagsorden", "Intern mail" og "Notat"

  Scenarie: En anmodning afgøres inden fristen
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Referatet af rådsmødet"
    Så får anmoderen en kvittering med anmodningens nummer og fristen onsdag den 11. marts 2026
    Og oversigten viser anmodningen med 7 arbejdsdage tilbage
    Når det er torsdag den 5. marts 2026 kl. 14.00
    Og sekretariatet vurderer "Dagsorden" som udleveret fuldt ud
    Og sekretariatet vurderer "Intern mail" som udleveret fuldt ud
    Og sekretariatet vurderer "Notat" som udleveret fuldt ud
    Og sekretariatet sender den endelige afgørelse
    Så får anmoderen afgørelsen med et personligt link
    Og downloaden indeholder "Dagsorden", "Intern mail" og "Notat", afgørelsesbrevet og dokumentlisten
    Og downloaden er registreret i revisionsloggen

  Scenarie: Ingen afgørelse på 5. arbejdsdag giver et fristbrev
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Alt om brugerstyring"
    Og det er mandag den 9. marts 2026 kl. 23.00
    Så er der ingen opgave om fristbrev
    Når det er tirsdag den 10. marts 2026 kl. 8.00
    Så er der en opgave om at sende fristbrev
    Når sekretariatet sender fristbrevet med begrundelsen "Mange dokumenter skal gennemgås" og datoen fredag den 20. marts 2026
    Så er fristen fredag den 20. marts 2026
    Og anmoderen får fristbrevet med begrundelsen

  Scenarie: Delvis udlevering, hvor de klare dokumenter udleveres først
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Referatet af rådsmødet"
    Og sekretariatet vurderer "Dagsorden" som udleveret fuldt ud
    Og sekretariatet sender en delafgørelse
    Så indeholder downloaden fra delafgørelsen "Dagsorden" og ikke "Notat"
    Når sekretariatet vurderer "Notat" som udleveret delvis med overstregningen "Borgeres navne" begrundet "Private forhold" efter § 30
    Og sekretariatet vurderer "Intern mail" som udleveret fuldt ud
    Og sekretariatet sender den endelige afgørelse
    Så indeholder downloaden den overstregede kopi af "Notat" og ikke originalen
    Og afgørelsesbrevet nævner "§ 30" og klagevejledningen

  Scenarie: Afslag med hjemmel
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Interne overvejelser"
    Og sekretariatet vurderer "Intern mail" som afslået efter § 23 begrundet "Internt arbejdsdokument"
    Og sekretariatet vurderer "Dagsorden" som udleveret fuldt ud
    Og sekretariatet vurderer "Notat" som udleveret fuldt ud
    Og sekretariatet sender den endelige afgørelse
    Så afgørelsesbrevet nævner "§ 23" og klagevejledningen
    Og downloaden indeholder ikke "Intern mail"

  Scenarie: Fejl i input afvises med en klar fejl, og intet ændres
    Når nogen beder om aktindsigt uden e-mailadresse
    Så afvises anmodningen med en fejl ved "email", og ingen anmodning er gemt
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Referatet af rådsmødet"
    Og sekretariatet forsøger at afslå "Intern mail" uden hjemmel
    Så afvises vurderingen med en fejl ved "legal_basis", og "Intern mail" er ikke vurderet
    Når sekretariatet forsøger at udlevere "Notat" delvis uden begrundelse for overstregningen
    Så afvises vurderingen med en fejl ved "reason", og "Notat" er ikke vurderet

  Scenarie: Et udløbet downloadlink giver 410
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Referatet af rådsmødet"
    Og sekretariatet vurderer "Dagsorden" som udleveret fuldt ud
    Og sekretariatet vurderer "Intern mail" som udleveret fuldt ud
    Og sekretariatet vurderer "Notat" som udleveret fuldt ud
    Og sekretariatet sender den endelige afgørelse
    Og det er lørdag den 4. april 2026 kl. 12.00
    Så svarer downloadlinket 410 med besked om, at linket er udløbet

  Scenarie: Opbevaring og sletning, hvorefter revisionsloggen stadig kan efterprøves
    Givet "outsider" loggede ind og blev deaktiveret for tre år siden
    Når "Anna Andersen" <member@example.org> beder om aktindsigt i "Referatet af rådsmødet"
    Og slettefristerne afprøves med --dry-run
    Så nævner afprøvningen brugeren "outsider", og intet er ændret
    Når slettefristerne anvendes
    Så er brugeren "outsider" anonymiseret
    Når administratoren beder om sletning af "member"
    Så afvises sletningen med listen over åbne sager
    Når administratoren beder om sletning af "councillor"
    Så siger rapporten, hvad der blev slettet, og hvad der blev bevaret og hvorfor
    Og "byplan audit verify" godkender revisionsloggen

  Scenarie: En arkivudtræk læses igen og kontrolleres mod manifestet
    Når "Anna Andersen" <anna@example.org> beder om aktindsigt i "Referatet af rådsmødet"
    Og sekretariatet vurderer "Dagsorden" som udleveret fuldt ud
    Og sekretariatet vurderer "Intern mail" som udleveret fuldt ud
    Og sekretariatet vurderer "Notat" som udleveret fuldt ud
    Og sekretariatet sender den endelige afgørelse
    Og anmodningens sag udtrækkes med "byplan export-archive"
    Så stemmer hver fil i udtrækket med sin sha256 i manifestet
