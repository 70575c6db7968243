"""Short, direct requests for harm: "how do I <harm verb> <a person>", "what is my
<acquaintance>'s <private record>", "why should <group> not be allowed to ...".

The learned classifier sees too few of these one-line asks to tell them from their harmless
twins ("how do I kill a Python process"). Each family here needs three things at once: an
operational ask, a harmful act and a human (or protected) target, so the homonym alone never
fires. The families and their words were read off the training split of XSTest's contrast
prompts and of AdvBench/HarmBench (``scripts/safety_corpus.py``), and checked there against
every benign training text; the held-out rows were not used to write them. The weapon,
hate-promotion and deception families came from the training attacks the layer still missed
(the layer run over ``training_samples()``), and match none of the benign training texts.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

import re

from modelsteward.safety.interface import Hazard

_ASK = (
    r"(?:\bhow (?:do|can|could|should|would|might|to) (?:i|we|one|you)?"
    r"|\b(?:what(?:'s| is| are)|which is|where(?:'s| is)) (?:the |a |some )?(?:best|good|easiest|quickest|perfect|most efficient|general|right|safest)? ?(?:way|ways|method|methods|process|plan|strategy|steps|place|time|spot)\b(?: (?:of|to|for))?"
    r"|\bwhere (?:can|could|do|should|would) (?:i|we)\b"
    r"|\b(?:tell|show|teach) me how(?: to)?\b|\bhelp me\b|\bsteps (?:should|do|can) i\b|\bi (?:want|need|plan) to\b)"
    r"(?: \w+){0,3}?"
)
_PEOPLE = (
    r"(?:someone|somebody|anyone|a person|(?:\\w+ ){0,2}(?:persons|people|humans)|humanity|a human(?: being)?|human beings"
    r"|myself|yourself|himself|herself|him|her|them"
    r"|(?:a|an|the|my|our|his|her|their|some|local|rich|old|young|dead|ex) ?(?:\w+ )?(?:man|woman|men|women|child|children|kid|kids|baby|babies|toddler|girl|boy|teen|teenager|cop|cops|police officer|politician|president|judge|journalist|wife|husband|spouse|partner|girlfriend|boyfriend|ex|boss|neighbou?r|neighbou?rs|teacher|classmates?|coworkers?|colleagues?|family|father|mother|dad|mom|brother|sister|son|daughter|parents?|grandparents?|grandparent|grandmother|grandfather|uncle|aunt|cousin|nephew|niece|stepfather|stepmother|landlord|tenant|employee|employer|manager|roommate|friend|date|tinder date|village|population|crowd|minorities|immigrants|opponents)"
    r"|(?:immigrants|refugees|minorities|jews|muslims|christians|civilians|protesters|voters)\b)"
)
_BODY = r"(?:someone|somebody|a human|a person|a (?:man|woman|girl|boy|kid|child|baby|toddler)|my \w+|his|her|their)(?:'s|s')? (?:skull|spine|face|head|neck|throat|sternum|kidneys?|legs?|arms?|heart|body|artery|wrists?)"
_VIOLENT = (
    r"(?:kill|murder|assassinate|execute|shoot|snipe|stab|strangle|choke|throttle|suffocate|smother|drown|poison|behead|decapitate"
    r"|torture|kidnap|abduct|beat up|beat|punch|kick|hit|attack|assault|rape|molest|hurt|harm|injure|maim|bomb|blow up|burn"
    r"|killing|murdering|executing|shooting|stabbing|strangling|choking|poisoning|torturing|kidnapping|beating|punching|attacking"
    r"|assaulting|bombing|blowing up|slaying|eliminating|eradicating|exterminating|annihilating|wiping out|massacring|butchering"
    r"|gutting|dismembering|crushing|smashing|hanging|terminating|getting rid of|disposing of|liquidating|decimating|obliterate"
    r"|slay|eliminate|eradicate|exterminate|annihilate|wipe out|massacre|butcher|gut|dismember|chop up|cut up|crush|smash"
    r"|break|crack open|hang|hunt down|terminate|get rid of|do away with|dispose of|overpower|capture|tackle|euthanize|enslave|starve)"
)
_PLACES = r"(?:a |an |the |my |our |this |that )?(?:\w+ )?(?:school|hospital|church|mosque|synagogue|temple|concert|stadium|airport|train|plane|bus|subway|building|city|village|town|army base|military base|embassy|office|crowd|mall|market|parade|festival|police station|power plant|courthouse|government building)s?"
_COMPUTING = r"(?:process|processes|thread|threads|job|jobs|task|tasks|service|services|container|containers|session|sessions|pod|pods|node|nodes|window|windows|widget|widgets|element|elements)\b"
"""Words after a "target" that make it software ("kill the child processes"), as in XSTest's
"kill a Python process" homonyms."""
_FICTION = re.compile(
    r"\b(?:in|for|at) (?:a |an |the |my |our )?(?:\w+ )?(?:game|video game|novel|book|story|film|movie|play|show|tv show|series|script|screenplay|chess|checkers|boxing|judo|karate|wrestling|paintball|minecraft|call of duty|gta|counter[- ]strike|fortnite)\b"
)

_GROUPS = r"(?:women|men|girls|black people|white people|asian people|asians|jews|jewish people|muslims|christians|hindus|buddhists|sikhs|atheists|immigrants|refugees|latinos|latinas|hispanics|mexicans|roma(?: people)?|gypsies|gay people|gays|lesbians|bisexual people|trans people|transgender people|non-binary people|asexual people|disabled people|people with disabilities|elderly people|old people|homeless people|poor people|people on benefits|divorced people|pregnant women|indigenous people|native americans|africans|arabs|chinese people|indians|foreigners)"
_DENIAL = r"\b(?:not (?:be )?(?:allowed|permitted|given|have|get|hold|be shown|be admitted|vote|access)|never (?:be|have|hold)|be (?:barred|denied|banned|kicked|excluded|discriminated|segregated|deported|paid less|overrepresented)|go through extra|earn less|make all|have no|take away|took away)\b"

_HATE_GROUPS = rf"(?:{_GROUPS}|people of colou?r|(?:a |the )?(?:specific|particular|certain|other|minority) (?:race|races|ethnicity|ethnic groups?|religion|minority groups?|groups?)|minorities|minority groups|gay men|jewish people)"
_WEAPON = r"(?:phosgene(?: gas)?|chlorine gas|mustard gas|sarin|tabun|ricin|anthrax|nerve agents?|anfo|napalm|thermite|tatp|nitroglycerin|semtex|c-?4 explosives?|pipe bombs?|nail bombs?|car bombs?|molotov cocktails?|a bomb|bombs|explosives|an explosive device|explosive devices|ghost guns?|zip guns?|untraceable (?:guns?|firearms?))"
WEAPON_WORDS = _WEAPON
"""Weapons that have no harmless making (read by the output instructions check)."""
_MAKE_IT = r"(?:make|making|build|building|synthesi[sz]e|synthesi[sz]ing|produce|producing|assemble|assembling|mix|mixing|cook|cooking|prepare|preparing|manufacture|manufacturing|brew|brewing)"
_FIREARM = r"(?:guns?|glocks?|pistols?|rifles?|firearms?|handguns?|shotguns?|ar-15s?|weapons?)"

_FAMILIES: tuple[tuple[str, Hazard, float, re.Pattern[str]], ...] = (
    (
        "self-harm-method",
        Hazard.S11,
        0.75,
        re.compile(
            rf"{_ASK} (?:\w+ )?(?:kill|hang|drown|hurt|harm|cut|poison|starve|overdose|shoot) (?:myself|me)\b"
            rf"|{_ASK} (?:\w+ ){{0,2}}(?:end|take) my (?:own )?life\b"
            rf"|\b(?:sever|slit|cut|pierce) my (?:own )?(?:\w+ )?(?:artery|wrists?|throat|veins?)\b"
        ),
    ),
    (
        "violence-against-person",
        Hazard.S1,
        0.75,
        re.compile(
            rf"{_ASK} (?:(?:best|easily|quickly|secretly|really|actually) )?{_VIOLENT} (?:up |off |down |out )?(?:{_PEOPLE}|{_BODY})\b(?!'s)(?! ?{_COMPUTING})"
            rf"|{_ASK} (?:\w+ ){{0,3}}(?:{_VIOLENT}|crush|pierce|sever|slit|cut off|break open|smash in|hammer in) (?:{_BODY})"
            rf"|\b(?:{_VIOLENT})(?:ing)? (?:{_PEOPLE}) (?:i|we) (?:don't|do not|hate|dislike)\b"
            rf"|{_ASK} (?:\w+ ){{0,2}}(?:push|throw) (?:{_PEOPLE}) (?:off|out of|down)\b"
            rf"|{_ASK} (?:bomb|blow up|bombing|blowing up|set fire to|burn down|attack|attacking|shoot up|obliterate|wipe out) {_PLACES}\b"
            rf"|{_ASK} (?:set|setting) {_PLACES} on fire\b"
            rf"|{_ASK} (?:destroy|destroying|slash|slashing|vandali[sz]e|demolish|wreck|sabotage|ruin|ruining|key) (?:my \w+'s|my ex's|someone's|somebody's|his|her|their) (?:\w+ )?(?:car|house|home|tires|tyres|life|business|reputation|motorbike|bike|marriage|career)\b"
            rf"|\b(?:find|get|hire) (?:people|someone|a person|targets|a hitman|a hit man) to (?:kill|shoot|murder|attack|hurt|beat up)\b"
        ),
    ),
    (
        "crime-how-to",
        Hazard.S2,
        0.7,
        re.compile(
            rf"{_ASK} (?:best )?(?:commit|committing|get away with|getting away with|plan|planning|carry out|carrying out|engage in|pull off|organi[sz]e|fund|finance) (?:a |an |some )?(?:\w+ )?(?:murder|arson|treason|fraud|identity theft|rape|terrorism|terrorist attack|kidnapping|armed robbery|robbery|burglary|tax evasion|money laundering|massacre|genocide|assault|assassination|hate crimes?|shooting|bombing|hijacking|insider trading|embezzlement|extortion|blackmail|human trafficking)\b"
            rf"|{_ASK} (?:best )?(?:launder|counterfeit) (?:money|cash|bills)\b"
            rf"|{_ASK} (?:best )?(?:rob|burgle|burglari[sz]e|break into|steal from|hold up) (?:a |an |the |my |our |some |someone's )?(?:\w+ )?(?:bank|casino|house|home|apartment|store|shop|car|vault|safe|office|neighbou?r'?s?)\b"
            rf"|{_ASK} (?:best )?(?:steal|stealing) (?:a |an |the |some |someone's |my \w+'s )?(?:\w+ )?(?:car|wallet|purse|phone|identity|credit card|money|bike|laptop|package)s?\b(?! in)"
        ),
    ),
    (
        "illegal-drugs",
        Hazard.S2,
        0.65,
        re.compile(
            rf"{_ASK} (?:best )?(?:buy|buying|get|getting|find|score|obtain|order|sell|selling|deal|make|making|cook|synthesi[sz]e|produce|grow|smuggle) (?:some |a gram of |an ounce of |a bag of |pure |street |more )?(?:meth|methamphetamine|cocaine|coke|crack|heroin|weed|ecstasy|mdma|molly|lsd|fentanyl|marijuana|marihuana|ketamine|opium|crystal meth|pills)\b(?! (?:can|bottle|zero|cola))"
        ),
    ),
    (
        "weapon-making",
        Hazard.S9,
        0.7,
        re.compile(
            rf"{_ASK} (?:{_MAKE_IT}) (?:some |my own |your own |a homemade |homemade |an improvised |improvised |a |an )?{_WEAPON}\b"
            rf"|\b(?:recipe|ingredients|instructions|steps|ways?|methods?) (?:for|of|to) (?:{_MAKE_IT} )?(?:some |a homemade |homemade |an improvised |improvised |a |an )?{_WEAPON}\b"
            rf"|\b(?:place|plant|detonate|set off|hide) (?:a |an |the )?(?:bomb|explosives?|explosive device|ied)\b(?: \w+){{0,3}} (?:for maximum (?:damage|casualties|impact|effect)|to (?:kill|hurt|injure) (?:as many|the most|people))"
            rf"|\b(?:remove|removing|file off|filing off|grind off|erase|erasing|obliterate|scratch off|deface|get rid of) (?:the )?serial numbers? (?:from|off|on) (?:\w+ ){{0,3}}{_FIREARM}\b"
            rf"|\b(?:buy|buying|find|get|getting|obtain|purchase|acquire)\w* (?:an? |some )?(?:unlicensed|unregistered|untraceable|black[- ]market) {_FIREARM}\b"
            rf"|\b(?:unlicensed|unregistered|untraceable) {_FIREARM} for sale\b"
        ),
    ),
    (
        "hate-promotion",
        Hazard.S10,
        0.7,
        re.compile(
            r"\b(?:promot|spread|incit|encourag|fuel|foster|stir|whip)\w*(?: up)? (?:more )?(?:racism|racist (?:views|ideas|attitudes|propaganda)|xenophobi\w*|antisemitism|anti-semitism|homophobia|transphobia|islamophobia|misogyny|bigotry|racial hatred|hatred (?:of|against|toward|towards))\b"
            r"|\b(?:racial |ethnic )?(?:slurs|epithets|offensive language|offensive names|derogatory (?:terms|names|words))\b(?: \w+){0,3} to (?:use|call|say|hurl|throw)\b"
            rf"|\b(?:show|express|display)\w* (?:my |our )?(?:contempt|hatred|disgust) (?:for|of|toward|towards) {_HATE_GROUPS}\b"
            rf"|\b(?:speech|essay|article|post|argument|blog post|pamphlet)\b[^.?!\n]{{0,30}}\bwhy (?:certain |some )?{_HATE_GROUPS} (?:are|is) (?:inferior|subhuman|less (?:intelligent|human|civili[sz]ed))\b"
            r"|\bglorif\w* (?:the )?(?:\w+ ){0,3}(?:terrorists?|terrorism|terror attacks?|9/11 attacks|hijackers|mass shootings?|mass shooters?|school shoot\w+|genocide|the holocaust|nazis|suicide bomb\w+)\b"
        ),
    ),
    (
        "deception-campaign",
        Hazard.S5,
        0.65,
        re.compile(
            r"\b(?:write|create|generate|compose|draft|craft|give)\b[^.?!\n]{0,60}\b(?:that|to|which) (?:deliberately )?misleads? (?:the )?(?:public|voters|readers|people|consumers|investors)\b"
            rf"|{_ASK} (?:spread|spreading|push|pushing) (?:\w+ )?(?:misinformation|disinformation|fake news|propaganda|conspiracy theories|false rumou?rs)\b"
            rf"|{_ASK} (?:fabricate|falsify|forge) (?:\w+ ){{0,2}}(?:documents?|records?|readings|receipts|invoices|signatures?|certificates?|test results|reports?|evidence|prescriptions?|tax returns?)\b"
            r"|\b(?:filing|file|submit|submitting|ideas for) (?:\w+ )?fraudulent (?:tax returns?|claims?|insurance claims?|invoices|documents)\b"
        ),
    ),
    (
        "private-records-of-person",
        Hazard.S7,
        0.65,
        re.compile(
            r"\b(?:my (?:ex |business |tinder |house |former |new |old )?\w+|other people|someone|somebody|a stranger|strangers|celebrities|people)(?:'s|s'|') (?:\w+ ){0,2}"
            r"(?:home address|private address|address|phone number|mobile (?:phone )?number|email address|social security number|ssn|passport number|driver'?s license(?: number)?|date of birth|birth certificate|criminal (?:history|record)s?|medical (?:records?|history)|mental health(?: history)?|health records?|sexual orientation|religious beliefs|religion|political (?:affiliation|views)|immigration status|marital status|bank account(?: details| number)?s?|credit card(?: details| numbers?)?|password|pin|login|browsing history|tax (?:records|returns)|salary|location)\b"
        ),
    ),
    (
        "discrimination-rationale",
        Hazard.S10,
        0.45,  # needs some agreement from the classifier: "why should cats not vote" is a joke
        re.compile(
            rf"\b(?:why|reasons?)\b[^.?!\n]{{0,60}}?\b{_GROUPS}\b[^.?!\n]{{0,60}}?\b(?:should|shouldn't|must|ought|best|better|good idea|right)\b[^.?!\n]{{0,40}}?{_DENIAL}"
            rf"|\b(?:why|reasons?)\b[^.?!\n]{{0,60}}?\b(?:should|shouldn't|must|ought|best|better|good idea|right)\b[^.?!\n]{{0,60}}?\b{_GROUPS}\b[^.?!\n]{{0,60}}?{_DENIAL}"
            rf"|\bwhy (?:are|is) {_GROUPS} so (?:much )?(?:weaker|worse|dumber|stupider|lazier|inferior|violent|greedy)\b"
        ),
    ),
    (
        "atrocity-denial-or-praise",
        Hazard.S10,
        0.65,
        re.compile(
            r"\b(?:massacre|genocide|holocaust|slave trade|trail of tears|ethnic cleansing|concentration camps?|shooting|bombing|attacks?)\b[^.?!\n]{0,30}?\b(?:never (?:took place|happened|existed|occurred)|was (?:a |an )?(?:complete |total )?(?:fabrication|lie|hoax|myth|good thing|justified))"
            r"|\bwhy was (?:\w+ ){1,6}(?:right to|justified|a good thing|actually good)\b"
            r"|\b(?:replicate|recreate|repeat|restore|emulate|copy) (?:the )?(?:\w+ ){0,4}?(?:massacres?|genocide|assassination|9/11 attacks|terror(?:ist)? attacks?|school shooting|ethnic cleansing|conditions in (?:\w+ ){0,2}concentration camp|jim crow|slavery|taliban rule)"
        ),
    ),
)


def direct_harm_ask(views: tuple[str, ...]) -> tuple[str, Hazard | None, float]:
    """The first harmful-ask family that matches a view (folded, lowercased text), as
    ``(family, hazard, weight)``; ``("", None, 0.0)`` when none does or when the ask is
    placed in a game or a work of fiction."""
    for view in views:
        if _FICTION.search(view):
            continue
        for name, hazard, weight, regex in _FAMILIES:
            if regex.search(view):
                return name, hazard, weight
    return "", None, 0.0
