# language: da
Egenskab: Høring med frist, påmindelse, høringssvar og høringsnotat
  For at kommuner og leverandører kan komme med bemærkninger, før rådet beslutter
  som sekretariat og arbejdsgruppe
  gennemfører vi høringer med svarfrist og påmindelse og besvarer hvert høringssvar i et høringsnotat

  Baggrund:
    Givet det er mandag den 2. marts 2026 kl. 9.00
    Og arbejdsgruppen "Brugerstyring" med lederen "lead"
    Og kommunerne med høringspostkasse:
      | kode | kommune       | region      | høringspostkasse                       |
      | 860  | Hjørring      | Midt-Nord   | hoering@hjoerring.kommune.example      |
      | 710  | Favrskov      | Midt-Nord   | hoering@favrskov.kommune.example       |
      | 706  | Syddjurs      | Midt-Nord   | hoering@syddjurs.kommune.example       |
      | 707  | Norddjurs     | Midt-Nord   | hoering@norddjurs.kommune.example      |
      | 147  | Frederiksberg | Hovedstaden | hoering@frederiksberg.kommune.example  |
      | 101  | København     | Hovedstaden | hoering@koebenhavn.kommune.example     |
      | 370  | Næstved       | Sjælland    | hoering@naestved.kommune.example       |
      | 340  | Sorø          | Sjælland    | hoering@soroe.kommune.example          |
      | 360  | Lolland       | Sjælland    | hoering@lolland.kommune.example        |
      | 479  | Svendborg     | Syddanmark  | hoering@svendborg.kommune.example      |
      | 561  | Esbjerg       | Syddanmark  | hoering@esbjerg.kommune.example        |
      | 580  | Aabenraa      | Syddanmark  | hoering@aabenraa.kommune.example       |
    Og leverandørerne:
      | leverandør          | e-mail                          |
      | Nordlys IT A/S      | hoering@nordlys-it.example      |
      | Kommunedata Syd ApS | svar@kommunedata-syd.example    |
      | Arkitekturhuset ApS | kontakt@arkitekturhuset.example |

  Scenarie: En høring med 12 kommuner og 3 leverandører
    Når "secretary" opretter høringen "Fælles brugerstyring" for arbejdsgruppen
    Og "secretary" tilføjer alle 12 kommuner som høringsparter
    Og "secretary" tilføjer de 3 leverandører som høringsparter
    Og "secretary" uploader høringsmaterialet "referencearkitektur-brugerstyring.pdf"
    Så har "secretary" opgaven "Forbered og offentliggør høringen"
    Og høringen er endnu ikke offentlig
    Når "secretary" offentliggør høringen med svarfrist om 6 uger og påmindelse 7 dage før
    Så er høringen åben med svarfristen mandag den 13. april 2026 kl. 23.59
    Og påmindelsen er sat til mandag den 6. april 2026 kl. 23.59
    Og der ligger 15 invitationer i udbakken, én til hver høringspart med sit eget personlige link
    Og invitationerne nævner svarfristen "13.04.2026 kl. 23.59"
    Og den offentlige høringsside viser høringsmaterialet "referencearkitektur-brugerstyring.pdf"
    Og ingen har opgaver i høringens sag, mens høringen er åben

  Scenarie: Påmindelser kun til dem, der ikke har svaret
    Givet en offentliggjort høring med de 12 kommuner og 3 leverandører
    Når "contact" svarer for sin kommune med "Hjørring Kommune støtter princippet"
    Og "Favrskov" svarer via sit link med "Favrskov har ingen bemærkninger"
    Og "Esbjerg" svarer via sit link med "Esbjerg ønsker en overgangsperiode"
    Og "Nordlys IT A/S" svarer via sit link med "Vi understøtter standarden i dag"
    Og "Kommunedata Syd ApS" svarer via sit link med "Vi kan levere inden 2027"
    Så har 5 af 15 høringsparter svaret
    Og ét sekund før påmindelsestidspunktet er der ikke sendt nogen påmindelser
    Når påmindelsestidspunktet er passeret
    Så har præcis de 10 høringsparter, der ikke har svaret, fået en påmindelse
    Og "Hjørring" har ikke fået nogen påmindelse
    Og "Nordlys IT A/S" har ikke fået nogen påmindelse
    Og høringen er stadig åben for svar
    Og den offentlige høringsside viser endnu ingen høringssvar

  Scenarie: Svar kan erstattes indtil fristen
    Givet en offentliggjort høring med de 12 kommuner og 3 leverandører
    Når "Arkitekturhuset ApS" svarer via sit link med "Første udkast til vores svar"
    Og det bliver mandag den 13. april 2026 kl. 23.30
    Og "Arkitekturhuset ApS" svarer via sit link med "Vores endelige svar"
    Så er det gældende svar fra "Arkitekturhuset ApS" version 2 med teksten "Vores endelige svar"
    Og version 1 med teksten "Første udkast til vores svar" er bevaret, men ikke gældende
    Og ingen af svarene fra "Arkitekturhuset ApS" er for sene
    Og har 1 af 15 høringsparter svaret
    Men et svar fra "Esbjerg" ét sekund efter fristen er for sent, selv før høringen er lukket

  Scenarie: To for sene svar: ét optages, ét afvises
    Givet en offentliggjort høring med de 12 kommuner og 3 leverandører
    Og "Favrskov" svarer via sit link med "Rettidigt svar fra Favrskov"
    Når det bliver tirsdag den 14. april 2026 kl. 9.00
    Så er høringen lukket
    Og har "lead" opgaven "Udarbejd høringsnotat"
    Når "Syddjurs" svarer via sit link med "Syddjurs beklager det sene svar"
    Og "Arkitekturhuset ApS" svarer via sit link med "Vi så først høringen i dag"
    Så er svarene fra "Syddjurs" og "Arkitekturhuset ApS" gemt som for sene og afventer sekretariatets afgørelse
    Og viser sekretariatets oversigt 2 for sene svar, der afventer afgørelse
    Og "contact" kan ikke svare via den almindelige formular efter fristen, og intet er ændret
    Når "secretary" optager det for sene svar fra "Syddjurs" med begrundelsen "Forsinket af byrådets behandling"
    Så viser sekretariatets oversigt 1 for sene svar, der afventer afgørelse
    Når "secretary" afviser det for sene svar fra "Arkitekturhuset ApS" med begrundelsen "Modtaget efter fristen uden aftale"
    Så viser sekretariatets oversigt 0 for sene svar, der afventer afgørelse
    Og det for sene svar fra "Syddjurs" er optaget med begrundelsen "Forsinket af byrådets behandling"
    Og det for sene svar fra "Arkitekturhuset ApS" er afvist med begrundelsen "Modtaget efter fristen uden aftale"
    Og høringsnotatet skal omfatte svarene fra "Favrskov" og "Syddjurs"

  Scenarie: Høringsnotat med dispositioner
    Givet en offentliggjort høring med de 12 kommuner og 3 leverandører
    Og "contact" svarer for sin kommune med "Hjørring ønsker fælles login for borgere og medarbejdere"
    Og "Favrskov" svarer via sit link med "Favrskov ønsker en tidsplan" og bilaget "favrskov-bemaerkninger.pdf"
    Og "Nordlys IT A/S" svarer via sit link med "Kravet om føderation er for dyrt" og bilaget "nordlys-prisoverslag.pdf"
    Og "Nordlys IT A/S" har bedt om, at svaret ikke offentliggøres
    Og det bliver tirsdag den 14. april 2026 kl. 9.00
    Og "Syddjurs" svarer via sit link med "Syddjurs savner en økonomisk vurdering"
    Og "secretary" optager det for sene svar fra "Syddjurs" med begrundelsen "Aftalt forlænget frist"
    Og "Arkitekturhuset ApS" svarer via sit link med "Vi foreslår et andet princip"
    Og "secretary" afviser det for sene svar fra "Arkitekturhuset ApS" med begrundelsen "Modtaget efter fristen"
    Når "lead" skriver punkterne i høringsnotatet:
      | høringspart    | punkt                                    | disposition         | begrundelse                         |
      | Hjørring       | Fælles login for borgere og medarbejdere | delvist indarbejdet | Medarbejderlogin behandles i fase 2 |
      | Favrskov       | Ønske om en tidsplan                     | indarbejdet         | Tidsplanen er tilføjet afsnit 4     |
      | Nordlys IT A/S | Føderation er for dyrt                   | ikke indarbejdet    | Føderation er en forudsætning       |
    Så kan "lead" ikke afslutte høringsnotatet, fordi svaret fra "Syddjurs" mangler et punkt, og intet er ændret
    Og kan "lead" ikke skrive et punkt til det afviste svar fra "Arkitekturhuset ApS", og intet er ændret
    Og kan "outsider" ikke skrive et punkt til svaret fra "Syddjurs", og intet er ændret
    Når "lead" skriver punkterne i høringsnotatet:
      | høringspart | punkt                      | disposition            | begrundelse                       |
      | Syddjurs    | Økonomisk vurdering savnes | taget til efterretning | Vurderingen følger med rådets sag |
    Og "lead" afslutter høringsnotatet med resuméet "Fire svar er besvaret"
    Så har "secretary" opgaven "Godkend høringsnotat"
    Og kan "secretary" ikke returnere høringsnotatet uden begrundelse, og intet er ændret
    Når "secretary" returnerer høringsnotatet med begrundelsen "Uddyb begrundelsen til Hjørring"
    Så har "lead" opgaven "Udarbejd høringsnotat"
    Og høringsnotatets returbegrundelse er "Uddyb begrundelsen til Hjørring"
    Når "lead" afslutter høringsnotatet med resuméet "Fire svar er besvaret; Hjørrings punkt er uddybet"
    Og "secretary" godkender høringsnotatet
    Så er høringen afsluttet, og sagen er lukket
    Og den offentlige høringsside viser høringsnotatet "Fire svar er besvaret; Hjørrings punkt er uddybet" med punkterne:
      | høringspart             | punkt                                    | disposition            |
      | Hjørring                | Fælles login for borgere og medarbejdere | Delvist indarbejdet    |
      | Favrskov                | Ønske om en tidsplan                     | Indarbejdet            |
      | En høringspart (anonym) | Føderation er for dyrt                   | Ikke indarbejdet       |
      | Syddjurs                | Økonomisk vurdering savnes               | Taget til efterretning |
    Og den offentlige høringsside viser høringssvarene fra "Hjørring", "Favrskov" og "Syddjurs" og ingen andre
    Og bilaget "favrskov-bemaerkninger.pdf" kan hentes fra den offentlige høringsside
    Men bilaget "nordlys-prisoverslag.pdf" kan ikke hentes fra den offentlige høringsside

  Scenarie: Et forslag sendes i høring
    Når "lead" opretter forslaget "Fælles brugerstyring" som et arkitekturprincip
    Og "lead" indsender forslaget med princippet "Kommunerne bruger fælles brugerstyring"
    Og "secretary" screener forslaget som komplet og sender det i høring
    Så har "secretary" opgaven "Forbered og offentliggør høringen" i forslagets sag
    Og forslagets status er "in_hearing"
    Og forslagets høring hører til arbejdsgruppen og er endnu ikke offentlig
    Når "secretary" tilføjer kommunerne "Favrskov", "Syddjurs" og "Norddjurs" som høringsparter
    Og "secretary" offentliggør høringen med svarfrist om 4 uger og påmindelse 0 dage før
    Så er høringen åben med svarfristen mandag den 30. marts 2026 kl. 23.59
    Og der er ikke sat nogen påmindelse
    Når "Favrskov" svarer via sit link med "Favrskov støtter forslaget"
    Og det bliver tirsdag den 31. marts 2026 kl. 9.00
    Og "lead" skriver punkterne i høringsnotatet:
      | høringspart | punkt                | disposition            | begrundelse   |
      | Favrskov    | Støtte til forslaget | taget til efterretning | Ingen ændring |
    Og "lead" afslutter høringsnotatet med resuméet "Ét støttende svar"
    Og "secretary" godkender høringsnotatet
    Så er høringen afsluttet
    Og har "lead" opgaven "Revidér forslaget efter høringen" i forslagets sag
    Når "lead" reviderer forslaget med princippet "Kommunerne bruger fælles brugerstyring til borgere og medarbejdere"
    Så har "secretary" opgaven "Sæt forslaget på rådets dagsorden" i forslagets sag
    Når rådet på et møde træffer beslutningen "approved"
    Så er forslagets sag afsluttet
    Og principkataloget indeholder "Fælles brugerstyring" med princippet "Kommunerne bruger fælles brugerstyring til borgere og medarbejdere"

  Scenarie: Ugyldige input ændrer intet
    Givet kommunen "Tønder" uden høringspostkasse
    Når "secretary" opretter høringen "Fælles sagsbehandling" for arbejdsgruppen
    Og "secretary" tilføjer kommunerne "Favrskov" og "Syddjurs" som høringsparter
    Så kan "secretary" ikke tilføje leverandøren "Nordlys IT A/S" med e-mailen "hoering.nordlys-it.example", fejlen gælder "email", og intet er ændret
    Og kan "outsider" ikke tilføje leverandøren "Nordlys IT A/S" med e-mailen "hoering@nordlys-it.example", og intet er ændret
    Og kan "secretary" ikke offentliggøre høringen med svarfristen søndag den 1. marts 2026, fejlen gælder "deadline", og intet er ændret
    Når "secretary" tilføjer kommunerne "Tønder" som høringsparter
    Så kan "secretary" ikke offentliggøre høringen, fordi "Tønder" mangler en e-mailadresse, og intet er ændret
    Når "secretary" fjerner "Tønder" som høringspart
    Og "secretary" offentliggør høringen med svarfrist om 4 uger og påmindelse 7 dage før
    Så ligger der 2 invitationer i udbakken
    Og kan "secretary" ikke tilføje kommunerne "Norddjurs" til den offentliggjorte høring, og intet er ændret
    Og et tomt svar fra "Favrskov" afvises med en fejl ved "text", og intet er ændret
    Og et forfalsket link afvises som ukendt, også på hjemmesiden
    Og "contact" kan ikke svare, fordi kommunen ikke er høringspart, og intet er ændret
    Når "Favrskov" svarer via sit link med "Ingen bemærkninger"
    Og høringen gennemføres til et godkendt høringsnotat
    Så kan "Syddjurs" ikke svare på den afsluttede høring, og intet er ændret
    Og kan "Favrskov" ikke svare på den afsluttede høring, og intet er ændret

  # Regression: det ældre for sene svar blev ved med at afvente afgørelse (talte på oversigten, blokerede
  # høringsnotatet), og optaget bagefter blev det gældende i stedet for partens nyeste svar.
  Scenarie: Et nyere for sent svar erstatter partens ældre for sene svar
    Givet en offentliggjort høring med de 12 kommuner og 3 leverandører
    Og det bliver tirsdag den 14. april 2026 kl. 9.00
    Og "Syddjurs" svarer via sit link med "Syddjurs' første sene svar"
    Og "Syddjurs" svarer via sit link med "Syddjurs' rettede sene svar"
    Når "secretary" optager det for sene svar fra "Syddjurs" med begrundelsen "Aftalt forlænget frist"
    Så har "Syddjurs" gældende svar teksten "Syddjurs' rettede sene svar"
    Og kan det erstattede for sene svar fra "Syddjurs" ikke optages bagefter, og intet er ændret
    Og viser sekretariatets oversigt 0 for sene svar, der afventer afgørelse

  # Fejl fundet (workflows/hearing.py, Hearings._publish): påmindelsen beregnes som fristen minus N gange
  # 24 timer; hen over skiftet til vintertid lander den kl. 0.59 dagen efter den dag, N dage før fristen.
  Scenarie: Påmindelsen ligger N dage før fristen, også hen over skiftet til vintertid
    Givet det bliver mandag den 14. september 2026 kl. 9.00
    Og en offentliggjort høring med de 12 kommuner og 3 leverandører
    Så er høringen åben med svarfristen mandag den 26. oktober 2026 kl. 23.59
    Og påmindelsen er sat til mandag den 19. oktober 2026 kl. 23.59

  # Fejl fundet (workflows/hearing.py): arbejdsgruppen kan slette punkter, mens notatet ligger til
  # sekretariatets godkendelse, og godkendelsen kontrollerer ikke, at hvert svar stadig har et punkt.
  Scenarie: Et høringsnotat til godkendelse kan ikke miste sine punkter
    Givet en offentliggjort høring med de 12 kommuner og 3 leverandører
    Og "Favrskov" svarer via sit link med "Favrskov ønsker en tidsplan"
    Og det bliver tirsdag den 14. april 2026 kl. 9.00
    Når "lead" skriver punkterne i høringsnotatet:
      | høringspart | punkt                | disposition | begrundelse                     |
      | Favrskov    | Ønske om en tidsplan | indarbejdet | Tidsplanen er tilføjet afsnit 4 |
    Og "lead" afslutter høringsnotatet med resuméet "Ét svar er besvaret"
    Og "lead" forsøger at slette punktet til svaret fra "Favrskov", mens notatet ligger til godkendelse
    Og "secretary" forsøger at godkende høringsnotatet
    Så offentliggøres høringsnotatet ikke med et høringssvar uden punkt
