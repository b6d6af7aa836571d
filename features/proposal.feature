# language: da
Egenskab: Arkitekturforslag fra arbejdsgruppe til råd
  For at kommunerne får fælles arkitekturprincipper
  som arbejdsgruppe, sekretariat og råd
  fører vi et forslag fra kladde til godkendt princip i principkataloget

  Baggrund:
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead"
    Og sekretariatet "secretary" og rådsformanden "chair"

  Scenarie: Et princip godkendes og optages i principkataloget
    Når "lead" opretter forslaget "Genbrug før køb før byg" som et arkitekturprincip
    Og "lead" indsender forslaget med princippet "Kommunerne genbruger eksisterende løsninger"
    Så har "secretary" opgaven "Vurdér forslaget"
    Når "secretary" screener forslaget som komplet
    Så har "secretary" opgaven "Sæt forslaget på rådets dagsorden"
    Når rådet på et møde træffer beslutningen "approved"
    Så er sagen afsluttet
    Og principkataloget indeholder "Genbrug før køb før byg" i version 1
    Og principkataloget linker til mødet, der godkendte versionen
    Og revisionssporet for sagen kan verificeres

  Scenarie: Sekretariatet returnerer et ufuldstændigt forslag
    Når "lead" opretter forslaget "Åbne standarder" som et arkitekturprincip
    Og "lead" indsender forslaget med princippet "Løsninger bygger på åbne standarder"
    Og "secretary" returnerer forslaget med begrundelsen "Rationalet mangler"
    Så har "lead" opgaven "Udarbejd og indsend forslag"
    Og forslagets status er "returned"
    Og forslagets begrundelse er "Rationalet mangler"

  Scenarie: Rådet sender forslaget tilbage, og det godkendes senere med ændringer
    Når "lead" opretter forslaget "Sikker adgang" som et arkitekturprincip
    Og "lead" indsender forslaget med princippet "Adgang gives via fælles brugerstyring"
    Og "secretary" screener forslaget som komplet
    Og rådet på et møde sender forslaget tilbage med begrundelsen "Afgræns til borgerrettede løsninger"
    Så har "lead" opgaven "Udarbejd og indsend forslag"
    Når "lead" indsender forslaget med princippet "Borgerrettet adgang gives via fælles brugerstyring"
    Og "secretary" screener forslaget som komplet
    Og rådet på et møde godkender forslaget med ændringerne "Gælder fra 2018"
    Så er sagen afsluttet
    Og principkataloget indeholder "Sikker adgang" i version 1
    Og principkataloget viser ændringerne "Gælder fra 2018"

  Scenarie: Et nyt forslag til et eksisterende princip giver en ny version
    Givet principkataloget indeholder det godkendte princip "Data genbruges"
    Når "lead" opretter forslaget "Data genbruges" som et arkitekturprincip
    Og "lead" indsender forslaget med princippet "Data registreres én gang og genbruges på tværs"
    Og "secretary" screener forslaget som komplet
    Og rådet på et møde træffer beslutningen "approved"
    Så principkataloget indeholder "Data genbruges" i version 2
    Og version 1 af "Data genbruges" er erstattet

  Scenarie: Rådet afviser en referencearkitektur
    Når "lead" opretter forslaget "Referencearkitektur for sagsbehandling" som en referencearkitektur
    Og "lead" indsender forslaget med resuméet "Fælles model for sagsbehandling"
    Og "secretary" screener forslaget som komplet
    Og rådet på et møde afviser forslaget med begrundelsen "Overlapper med FORM"
    Så er sagen afsluttet
    Og forslagets status er "rejected"
    Og principkataloget er tomt

  Scenarie: Forkert rolle og ugyldige data ændrer intet
    Når "lead" opretter forslaget "Genbrug af data" som et arkitekturprincip
    Og "lead" indsender forslaget med princippet "Data genbruges"
    Så kan "councillor" ikke screene forslaget, og sagen er uændret
    Og kan "secretary" ikke returnere forslaget uden begrundelse, og sagen er uændret
    Og kan "outsider" ikke se arbejdsgruppens opgaver
