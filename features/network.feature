# language: da
Egenskab: Planlægning af netværksmøder i kommunernes it-arkitekturnetværk
  For at kommunerne kan dele konkrete erfaringer med rammearkitekturen
  som sekretariat og som kommunernes kontaktpersoner
  planlægger vi runder med fire regionale møder, fylder kommunernes købte pladser og evaluerer møderne

  Baggrund:
    Givet det er onsdag den 1. februar 2017 kl. 9.00
    Og it-arkitekturnetværket har 68 medlemskommuner, der hver har købt 2 pladser pr. møde
    Og kommunerne har disse kontaktpersoner:
      | kontaktperson    | kommune  |
      | contact          | Hjørring |
      | kontakt_soroe    | Sorø     |
      | kontakt_naestved | Næstved  |
      | kontakt_lolland  | Lolland  |

  Scenarie: Martsrunden 2017 i fire regioner med 68 kommuner
    Når "secretary" planlægger runden "Brug og implementering af rammearkitekturen" med tilmeldingsfrist tirsdag den 28. februar 2017
    Og "secretary" tilføjer de regionale møder:
      | region      | dag                          | sted                 | adresse       | pladser |
      | Midt-Nord   | tirsdag den 7. marts 2017    | Bramslevgaard        | Hobro         | 40      |
      | Hovedstaden | tirsdag den 14. marts 2017   | Frederiksberg Rådhus | Frederiksberg | 60      |
      | Sjælland    | onsdag den 15. marts 2017    | Næstved Rådhus       | Næstved       | 40      |
      | Syddanmark  | torsdag den 16. marts 2017   | Svendborg Rådhus     | Svendborg     | 40      |
    Og "secretary" sætter programmet:
      | region      | slags | titel                                                              | oplægsholder            | organisation      |
      | Midt-Nord   | case  | Erfaringer med brug og implementering af rammearkitekturen         |                         | Hjørring Kommune  |
      | Midt-Nord   | talk  | Rammearkitekturen set fra KL og KOMBIT                             |                         | KL og KOMBIT      |
      | Hovedstaden | case  | Implementering af it-arkitekturprincipper                          |                         | Favrskov Kommune  |
      | Hovedstaden | case  | Implementering af it-arkitekturprincipper                          |                         | Syddjurs Kommune  |
      | Hovedstaden | case  | Implementering af it-arkitekturprincipper                          |                         | Norddjurs Kommune |
      | Sjælland    | case  | Rejsen henimod monopolbrud                                         |                         | Sorø Kommune      |
      | Sjælland    | case  | Dialogværktøjer, når HR, IT & Digitalisering rådgiver fagforvaltningerne | Mogens Lilleør    | Lolland Kommune   |
      | Syddanmark  | talk  | Fællesoffentlig referencearkitektur for brugerstyring              | Gerner Zinglersen       | KL                |
      | Syddanmark  | case  | Erfaringer med brugerstyring                                       | Martin Dahlstrøm Vinter | Esbjerg Kommune   |
      | Syddanmark  | talk  | Scenarier for anvendelse af jobfunktionsroller                     |                         | KOMBIT            |
      | Syddanmark  | case  | Temadag om tværfaglige initiativer i digitaliseringsstrategien     | Jan Blasius             | Aabenraa Kommune  |
    Og "secretary" bekræfter møderne i "Midt-Nord", "Hovedstaden" og "Sjælland"
    Så advarer planlægningen om, at de 136 købte pladser pr. møde er flere, end der er plads til i "Midt-Nord", "Hovedstaden", "Sjælland" og "Syddanmark"
    Når "secretary" forsøger at offentliggøre runden
    Så afvises offentliggørelsen, fordi mødet i "Syddanmark" ikke er bekræftet
    Og runden er ikke offentlig
    Og ingen kontaktperson har fået en mail om tilmelding
    Når "secretary" bekræfter møderne i "Syddanmark"
    Og "secretary" offentliggør runden
    Så er runden åben for tilmelding
    Og der ligger 4 mails "Tilmelding åben: Brug og implementering af rammearkitekturen" i udbakken, én til hver kontaktperson
    Og viser den offentlige programside de fire møder i rækkefølgen "Midt-Nord", "Hovedstaden", "Sjælland" og "Syddanmark" med sted og program
    Og mødekalenderen indeholder de fire møder

  Scenarie: Et fuldt møde med venteliste, der rykker op ved afbud
    Givet runden "Brug og implementering af rammearkitekturen" er offentliggjort med tilmeldingsfrist tirsdag den 28. februar 2017, og mødet i "Sjælland" har plads til 5 deltagere
    Når "contact" tilmelder "Anne Andersen" <anne@hjoerring.dk> til mødet i "Sjælland"
    Og "contact" tilmelder "Bo Berg" <bo@hjoerring.dk> til mødet i "Sjælland"
    Og "contact" tilmelder "Carl Clausen" <carl@hjoerring.dk> til mødet i "Sjælland"
    Så er "Anne Andersen" og "Bo Berg" tilmeldt
    Og står "Carl Clausen" på ventelisten med status "waiting", fordi Hjørring har brugt sine 2 pladser
    Når "kontakt_naestved" tilmelder "Dorte Dahl" <dorte@naestved.dk> til mødet i "Sjælland"
    Og "kontakt_naestved" tilmelder "Emil Eskildsen" <emil@naestved.dk> til mødet i "Sjælland"
    Og "kontakt_soroe" tilmelder "Frida Friis" <frida@soroe.dk> til mødet i "Sjælland"
    Og "kontakt_soroe" tilmelder "Gorm Gregersen" <gorm@soroe.dk> til mødet i "Sjælland"
    Så er mødet i "Sjælland" fuldt med 5 tilmeldte og ventelisten "Carl Clausen", "Gorm Gregersen"
    Og deltagerlisten for mødet i "Sjælland" viser 5 "tilmeldt" og 2 "venteliste"
    Når "contact" melder "Anne Andersen" fra
    Så rykker den ældste på ventelisten, "Carl Clausen", automatisk op som tilmeldt
    Og står "Gorm Gregersen" stadig på ventelisten
    Når "kontakt_naestved" melder "Emil Eskildsen" fra
    Så rykker "Gorm Gregersen" automatisk op som tilmeldt
    Og er mødet i "Sjælland" fuldt med 5 tilmeldte og en tom venteliste
    Når "contact" tilmelder "Bo Berg" <BO@hjoerring.dk> til mødet i "Sjælland" igen
    Så afvises tilmeldingen, fordi personen allerede er tilmeldt mødet
    Når "contact" tilmelder "Hanne Holm" <hanne@soroe.dk> fra "Sorø" til mødet i "Sjælland"
    Så afvises tilmeldingen som forbudt, fordi man kun kan tilmelde kolleger fra sin egen kommune
    Og er mødet i "Sjælland" fuldt med 5 tilmeldte og en tom venteliste

  Scenarie: Tilmeldingsfristen
    Givet runden "Brug og implementering af rammearkitekturen" er offentliggjort med tilmeldingsfrist tirsdag den 28. februar 2017
    Og "contact" har tilmeldt "Anne Andersen" <anne@hjoerring.dk>, "Bo Berg" <bo@hjoerring.dk> og "Carl Clausen" <carl@hjoerring.dk> til mødet i "Midt-Nord"
    Og "kontakt_soroe" har tilmeldt "Frida Friis" <frida@soroe.dk> til mødet i "Sjælland"
    Når det er tirsdag den 28. februar 2017 kl. 23.59
    Og "kontakt_soroe" tilmelder "Gorm Gregersen" <gorm@soroe.dk> til mødet i "Sjælland"
    Så er "Gorm Gregersen" tilmeldt
    Når klokken er onsdag den 1. marts 2017 kl. 0.00, før systemet har lukket runden
    Og "kontakt_lolland" tilmelder "Mogens Lilleør" <mogens@lolland.dk> til mødet i "Sjælland"
    Så afvises tilmeldingen, fordi tilmeldingen er lukket
    Når tilmeldingsfristen udløber
    Så er runden lukket for tilmelding
    Og "Anne Andersen", "Bo Berg", "Frida Friis" og "Gorm Gregersen" får hver en mail med praktisk information og en kalenderinvitation (.ics) til deres møde
    Og "Carl Clausen" på ventelisten får ingen mail med praktisk information
    Og "contact" kan ikke længere melde "Bo Berg" fra

  Scenarie: Materialer og evaluering
    Givet runden "Brug og implementering af rammearkitekturen" er offentliggjort med tilmeldingsfrist tirsdag den 28. februar 2017
    Og "contact" har tilmeldt "Anne Andersen" <anne@hjoerring.dk> og "Bo Berg" <bo@hjoerring.dk> til mødet i "Midt-Nord"
    Og "kontakt_soroe" har tilmeldt "Frida Friis" <frida@soroe.dk> til mødet i "Midt-Nord"
    Og tilmeldingsfristen er udløbet
    Så har "secretary" ingen opgave "Del materialer fra mødet" endnu
    Når mødet i "Midt-Nord" er slut tirsdag den 7. marts 2017 kl. 15.30
    Så har "secretary" opgaven "Del materialer fra mødet"
    Og ingen deltagere har fået en evalueringsmail endnu
    Når "secretary" deler "hjoerring-rammearkitektur.pdf" og "canvas-midt-nord.png" fra mødet i "Midt-Nord"
    Og "secretary" afslutter opgaven "Del materialer fra mødet"
    Så kan et indlogget netværksmedlem se materialerne på programsiden, men en anonym besøgende kan ikke
    Og "Anne Andersen", "Bo Berg" og "Frida Friis" får hver en mail "Evaluering: Brug og implementering af rammearkitekturen – Midt-Nord" med et personligt link til evalueringen
    Og evalueringen af mødet i "Midt-Nord" har frist tirsdag den 21. marts 2017
    Når "Anne Andersen" evaluerer mødet med helhed 5 og udbytte 4 og kommentaren "Hjørrings erfaringer kan vi bruge direkte hjemme"
    Og "Frida Friis" evaluerer mødet med helhed 4 og udbytte 3
    Så viser opsummeringen af mødet i "Midt-Nord" 2 svar fra 3 deltagere, gennemsnit 4.5 for helhed og 3.5 for udbytte og kommentaren "Hjørrings erfaringer kan vi bruge direkte hjemme"
    Når "Anne Andersen" evaluerer mødet igen
    Så afvises svaret, fordi hun allerede har svaret
    Når "secretary" efter anmodning sletter persondata for "Anne Andersen"
    Så står "Anne Andersen"s navn og e-mail ikke længere på deltagerlisten, og hendes evalueringslink virker ikke
    Og viser opsummeringen af mødet i "Midt-Nord" stadig 2 svar fra 3 deltagere, gennemsnit 4.5 for helhed og 3.5 for udbytte
    Når evalueringsfristen for mødet i "Midt-Nord" udløber
    Og "Bo Berg" evaluerer mødet med helhed 3 og udbytte 3
    Så afvises svaret, fordi evalueringen er lukket
    Og viser opsummeringen af mødet i "Midt-Nord" stadig 2 svar fra 3 deltagere, gennemsnit 4.5 for helhed og 3.5 for udbytte

  Scenarie: Kom som du er – en kollega overtager pladsen, men ikke to gange
    Givet runden "Brug og implementering af rammearkitekturen" er offentliggjort med tilmeldingsfrist tirsdag den 28. februar 2017
    Og "contact" har tilmeldt "Anne Andersen" <anne@hjoerring.dk> og "Bo Berg" <bo@hjoerring.dk> til mødet i "Midt-Nord"
    Når "contact" lader "Ida Iversen" <ida@hjoerring.dk> overtage "Bo Berg"s plads
    Så er "Ida Iversen" tilmeldt på Hjørrings plads i stedet for "Bo Berg"
    Når "contact" lader "Anne Andersen" <anne@hjoerring.dk> overtage "Ida Iversen"s plads
    Så afvises tilmeldingen, fordi personen allerede er tilmeldt mødet
    Og er "Anne Andersen" og "Ida Iversen" tilmeldt

  Scenarie: Persondata slettet før tilmeldingsfristen giver ingen mail til en slettet adresse
    Givet runden "Brug og implementering af rammearkitekturen" er offentliggjort med tilmeldingsfrist tirsdag den 28. februar 2017
    Og "contact" har tilmeldt "Anne Andersen" <anne@hjoerring.dk> og "Bo Berg" <bo@hjoerring.dk> til mødet i "Midt-Nord"
    Når "secretary" efter anmodning sletter persondata for "Anne Andersen"
    Og tilmeldingsfristen udløber
    Så er runden lukket for tilmelding
    Og "Bo Berg" får hver en mail med praktisk information og en kalenderinvitation (.ics) til deres møde
