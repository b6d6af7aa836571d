# language: da
Egenskab: Styring af sager, massehandlinger, fravær og interne kommentarer
  For at sekretariatet kan holde styr på mange sager på én gang
  som sekretariat, rådsmedlem og kollega
  stiller vi sager i bero, genoptager og afslutter dem med en begrundelse, handler på mange sager ad gangen,
  lader en kollega overtage opgaverne under fravær og skriver interne kommentarer til hinanden

  Scenarie: En sag stilles i bero og genoptages
    Givet arbejdsgruppen har startet forslaget "Fælles brugerstyring"
    Når "secretary" stiller sagen "Fælles brugerstyring" i bero med begrundelsen "Afventer budget"
    Så viser sagen "Fælles brugerstyring" begrundelsen "Afventer budget"
    Og kan "lead" ikke færdiggøre opgaven på sagen "Fælles brugerstyring"
    Når "secretary" genoptager sagen "Fælles brugerstyring" med begrundelsen "Budgettet er på plads"
    Så kan "lead" færdiggøre opgaven på sagen "Fælles brugerstyring"

  Scenarie: En sag afsluttes, og dens opgaver forsvinder
    Givet arbejdsgruppen har startet forslaget "Trukket forslag"
    Når "secretary" afslutter sagen "Trukket forslag" med begrundelsen "Trukket tilbage af gruppen"
    Så har sagen "Trukket forslag" ingen åbne opgaver
    Og viser sagen "Trukket forslag" begrundelsen "Trukket tilbage af gruppen"

  Scenarie: En massehandling med en sag, der fejler
    Givet arbejdsgruppen har startet forslagene "Forslag A", "Forslag B" og "Forslag C"
    Og "secretary" har afsluttet sagen "Forslag C"
    Når "secretary" vælger at stille alle arbejdsgruppens sager i bero med begrundelsen "Sommerferie"
    Så viser forhåndsvisningen 2 sager, der stilles i bero, og 1, der ikke kan
    Når sagen "Forslag B" ændres, før handlingen udføres
    Og "secretary" udfører handlingen
    Så viser resultatet 1 sag ændret og 1 fejlet
    Og er sagen "Forslag A" stillet i bero
    Og kører sagen "Forslag B" stadig

  Scenarie: En kollega registrerer et rådsmedlems holdning under fraværet
    Givet et rådsmøde med et beslutningspunkt, hvor "councillor" skal registrere sin holdning
    Når "councillor" melder fravær i dag med "member" som stedfortræder
    Så ser "member" rådsmedlemmets opgave i sin indbakke
    Når "member" registrerer holdningen "object" for "councillor"
    Så er holdningen registreret for "councillor"
    Og viser tidslinjen "Member for Councillor"

  Scenarie: En intern kommentar giver den nævnte kollega besked
    Givet arbejdsgruppen har startet forslaget "Kommenteret forslag"
    Når "secretary" skriver kommentaren "@lead se venligst afsnit 2" på sagen "Kommenteret forslag"
    Så får "lead" en mail om kommentaren
    Og viser sagen "Kommenteret forslag" kommentaren "se venligst afsnit 2"
