# language: da
Egenskab: Arkitekturkataloget: principper, regler og versioner
  For at kommuner og projekter ved, hvilke regler der gælder, og hvor de kommer fra,
  som arbejdsgruppe, sekretariat og råd
  fører vi ændringer af reglerne fra forslag over høring til rådets beslutning,
  og kataloget viser hver versions status, gyldighed, oprindelse og forskelle

  Baggrund:
    Givet arbejdsgruppen "Brugerstyring" med lederen "lead"
    Og kataloget har princip 2 "Løsninger bygges af genbrugelige byggeblokke" med den optagne regel "AR 2.1" "Fælles infrastruktur bruges først" med teksten "Nye løsninger anvender den fælleskommunale infrastruktur."

  Scenarie: En ændring af en regel går fra forslag over høring og råd til en ny optaget version
    Når "lead" opretter forslaget "Fælles infrastruktur og byggeblokke bruges først" som en ændring af reglen "AR 2.1"
    Så starter forslagets udkast med reglens gældende tekst "Nye løsninger anvender den fælleskommunale infrastruktur."
    Når "lead" indsender ændringen med teksten "Nye og ændrede løsninger anvender den fælleskommunale infrastruktur og de fællesoffentlige byggeblokke."
    Så har "AR 2.1" en version 2 med status "proposed", som offentligheden ikke kan se
    Når "secretary" screener forslaget som komplet og sender det i høring
    Så har "AR 2.1" en version 2 med status "in_hearing", som offentligheden ikke kan se
    Når høringen offentliggøres for "Favrskov"
    Så har "AR 2.1" en version 2 med status "in_hearing", som vises på reglens offentlige side
    Når høringen gennemføres til et godkendt høringsnotat
    Og "lead" reviderer ændringen uden yderligere ændringer
    Så ser rådet ændringen som en forskel på ord, hvor "ændrede" er tilføjet
    Når rådet på et møde godkender forslaget
    Så er version 2 af "AR 2.1" optaget, og version 1 er erstattet af version 2
    Og reglens side viser gyldighedslinjen for mødet, der besluttede den
    Og reglens side viser oprindelsen: forslaget, høringen, høringsnotatet og dagsordenspunktet
    Og forskellen mellem version 1 og 2 på reglens side viser "infrastruktur." som fjernet og "og ændrede" som tilføjet
    Og høringens "vi gjorde" linker til forskellen mellem version 1 og 2 af "AR 2.1"
    Og søgningen finder "byggeblokke" i reglen "AR 2.1" uden login
    Og den offentlige API viser "AR 2.1" i version 2 med status "adopted"

  Scenarie: En regel udfases
    Når "lead" opretter forslaget "Udfasning af AR 2.1" som en udfasning af reglen "AR 2.1"
    Og "lead" indsender udfasningen med begrundelsen "Reglen er afløst af fælles byggeblokke"
    Og "secretary" screener forslaget som komplet
    Så er "AR 2.1" stadig optaget, mens rådet ikke har besluttet
    Når rådet på et møde godkender forslaget
    Så er "AR 2.1" udgået
    Og reglens side viser status "Udgået" og rådets møde, der udfasede den
    Og reglen "AR 2.1" er ikke blandt de optagne regler, en vurdering skal forholde sig til

  Scenarie: En ny kommunal regel under et princip
    Når "lead" opretter forslaget "Snitflader dokumenteres" som en ny regel under princip 2
    Og "lead" indsender den nye regel med teksten "Kommunale løsninger dokumenterer deres snitflader." kun for kommunerne
    Og "secretary" screener forslaget som komplet
    Og rådet på et møde godkender forslaget
    Så er "AR 2.2" optaget i version 1 og markeret "FK"
    Og "AR 2.2" er blandt de optagne regler for en kommunal vurdering, men ikke for en fællesoffentlig

  Scenarie: Ugyldige input og afvisninger ændrer intet i kataloget
    Så kan "lead" ikke oprette en ændring af reglen "AR 9.9", og intet er oprettet
    Og kan "lead" ikke oprette en ny regel uden et princip, og intet er oprettet
    Når "lead" opretter forslaget "Uden tekst" som en ændring af reglen "AR 2.1"
    Så kan "lead" ikke indsende ændringen uden regeltekst, og sagen er uændret
    Når "lead" indsender ændringen med teksten "En tekst, som rådet afviser."
    Og "secretary" screener forslaget som komplet
    Og rådet på et møde afviser forslaget
    Så er version 2 af "AR 2.1" ikke optaget, og version 1 gælder stadig
    Og reglens sider svarer 404 for ukendte regler og versioner
