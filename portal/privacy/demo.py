"""Demo texts in Swedish: the accessibility statement and Gävleborg's privacy notice.

Written once; a text someone has edited since is left as it is.
"""

from __future__ import annotations

import datetime as dt

from portal.extensions import db
from portal.organisations.models import Association
from portal.privacy.models import Compliance, Statement, StatementKind
from portal.privacy.services import statements

ACCESSIBILITY_SHORTCOMINGS = """\
Vi känner till följande brister:

- Diagrammen i styrelsens sammanställningar är bilder med en tabell under; tabellen \
innehåller samma siffror, men diagrammets färger skiljs bara åt med mönster i utskrift.
- Bilagor som föreningarna själva laddar upp (till exempel protokoll i PDF) granskas \
inte av portalen och kan vara otillgängliga.
- Kalenderfiler (.ics) visas som din kalender visar dem; vi kan inte påverka hur \
tillgängliga de blir där.

Vi åtgärdar bristerna i första hand i den ordning de påverkar flest användare.
"""

ACCESSIBILITY_CONTACT = """\
Vi strävar hela tiden efter att förbättra portalens tillgänglighet. Om du upptäcker \
problem som inte är beskrivna på den här sidan, eller om du behöver innehåll i ett \
annat format, hör av dig:

- e-post: [tillganglighet@gavleborg.example.org](mailto:tillganglighet@gavleborg.example.org)
- telefon: 026-12 34 56 (vardagar 9–15)

Vi svarar inom fem arbetsdagar.
"""

PRIVACY_CONTACT = """\
Kontakt: Samordningsförbundet Gävleborg, \
[registrator@gavleborg.example.org](mailto:registrator@gavleborg.example.org). \
Dataskyddsombud: [dataskydd@gavleborg.example.org](mailto:dataskydd@gavleborg.example.org).
"""

PRIVACY_BODY = """\
### Medlemmar i Mysamgrupper och kontaktpersoner

- **Uppgifter:** namn, e-postadress, organisation, roll i gruppen och från vilket datum \
till vilket datum du varit med.
- **Ändamål:** att planera och följa upp samverkan enligt lagen om finansiell samordning \
(2003:1210), kalla till möten och följa upp närvaron per part.
- **Rättslig grund:** uppgift av allmänt intresse (artikel 6.1 e dataskyddsförordningen).
- **Mottagare:** förbundets kansli, gruppens processledare och medlemmar; styrelsen ser \
bara sammanställda siffror per grupp och part.

### Mötesanteckningar och handlingsplaner

- **Uppgifter:** namn på den som skrivit, justerat eller ansvarar för en åtgärd.
- **Ändamål:** att dokumentera beslut och uppföljning.
- **Rättslig grund:** uppgift av allmänt intresse; justerade anteckningar och fastställda \
planer är allmänna handlingar som bevaras enligt förbundets dokumenthanteringsplan.
- **Mottagare:** gruppens medlemmar och förbundets kansli; allmänna handlingar kan lämnas \
ut enligt offentlighetsprincipen.

### Enkäten

- **Uppgifter:** vem som fått en inbjudan och om hen svarat – aldrig vad. Svaren sparas \
utan koppling till någon person.
- **Ändamål:** att mäta samverkan med nationella indikatorer och skicka påminnelser.
- **Rättslig grund:** uppgift av allmänt intresse.
- **Mottagare:** ingen utanför förbundet; resultat visas bara där minst tre har svarat.

### E-post och loggar

- **Uppgifter:** kopior av skickad e-post (utan länkar), inloggningar och ändringslogg.
- **Ändamål:** säkerhet och att kunna visa vem som ändrat vad.
- **Rättslig grund:** uppgift av allmänt intresse och rättslig förpliktelse.
- **Mottagare:** förbundets administratörer och portalens driftansvarige (personuppgiftsbiträde).
"""


def load_demo(association: Association) -> None:
    """Write the demo statements where none exist yet."""
    if statements.accessibility() is None:
        db.session.add(
            Statement(
                key=statements.ACCESSIBILITY_KEY,
                kind=StatementKind.ACCESSIBILITY.value,
                compliance=Compliance.PARTIAL.value,
                body=ACCESSIBILITY_SHORTCOMINGS,
                contact=ACCESSIBILITY_CONTACT,
                reviewed_on=dt.date(2026, 12, 1),
            )
        )
    if statements.privacy_notice(association.id) is None:
        db.session.add(
            Statement(
                key=statements.privacy_key(association.id),
                kind=StatementKind.PRIVACY.value,
                association_id=association.id,
                body=PRIVACY_BODY,
                contact=PRIVACY_CONTACT,
            )
        )
    db.session.flush()
