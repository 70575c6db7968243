"""Hand-written patterns for prompt injection and jailbreaks in EN, FR, DE, ES, IT and PT.

Patterns run on folded, lowercased, accent-stripped text (see ``normalize``). Each has a
weight: strong patterns block on their own, weak ones need the classifier to agree.
"""

# ruff: noqa: E501  (pattern and text tables read best one entry per line)

from __future__ import annotations

from modelsteward.safety.guards.patterns import Pattern
from modelsteward.safety.guards.patterns import pattern as _p

_PREV = r"(?:previous|prior|above|earlier|preceding|former|original|initial|foregoing|old|system|developer)"
_INSTR = r"(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|context|messages|commands|orders|constraints|programming)"

INJECTION: tuple[Pattern, ...] = (
    # Delimiter spoofing: fake ends of the user input or of the instructions.
    _p(
        "fake-delimiter",
        r"%%%|\b(?:end|begin|start) (?:of )?(?:the )?(?:user input|user prompt|out of date instructions|instructions)\b|</?(?:user|system|instructions?)>",
        0.55,
    ),
    _p(
        "ignore-previous",
        rf"\b(?:ignore|disregard|forget|override|skip|bypass|set aside|drop|abandon|neglect)\b[^.\n]{{0,30}}\b{_PREV}\b[^.\n]{{0,20}}\b{_INSTR}",
    ),
    _p(
        "ignore-everything",
        r"\b(?:ignore|forget|disregard) (?:everything|all of (?:that|this|the above)|what (?:you were|i) (?:told|said))",
    ),
    _p(
        "new-instructions",
        r"\b(?:new|updated|real|actual|secret|hidden|additional) (?:instructions?|task|rules|directive|objective)s?\b\s*(?:for (?:the )?(?:ai|assistant|model|llm|bot)\b)?\s*[:\-]",
        0.8,
    ),
    _p(
        "reveal-prompt",
        r"\b(?:reveal|print|show|output|repeat|leak|display|dump|tell me|give me|spell out|write out)\b[^.\n]{0,30}\b(?:system prompt|initial prompt|hidden prompt|pre-?prompt|your (?:instructions|prompt|rules|guidelines)|the (?:password|access code|secret (?:key|code|password)))",
    ),
    _p(
        "address-the-ai",
        r"\b(?:note|message|instructions?|attention|important|reminder)s?\b[^.\n]{0,20}\b(?:to|for) (?:the |any |all )?(?:ai|assistant|llm|language model|chatbot|bot|model|agent|gpt|copilot)s?\b",
        0.75,
    ),
    _p(
        "disobey-user",
        r"\b(?:do not|don't|never|stop) (?:follow|obey|listen to|answer|help|summari[sz]e|translate)(?:ing)? (?:the )?(?:user|human|original (?:task|request))",
    ),
    _p(
        "end-of-context",
        r"\b(?:end of|ignore the) (?:document|context|email|text|input|data)\b[^\n]{0,40}\b(?:new|now|instead|instruction|task)",
        0.85,
    ),
    _p(
        "system-override",
        r"\b(?:system|admin|administrator|developer|root) (?:override|mode|message|prompt|instruction|command)\s*[:\]]",
        0.85,
    ),
    _p(
        "chat-markup",
        r"<\|im_start\|>|<\|im_end\|>|\[/?inst\]|<</?sys>>|<\|system\|>|<\|start_header_id\|>|###\s*(?:system|instruction)\s*:?",
        0.9,
    ),
    _p(
        "instead-do",
        r"\b(?:instead|rather),? (?:you (?:must|should|will)|please)?\s*(?:say|print|output|respond|reply|write|send|forward|email)\b[^.\n]{0,60}",
        0.45,
    ),
    _p(
        "you-must-now",
        r"\byou (?:must|will|should|shall) (?:now|from now on|henceforth)\b[^.\n]{0,10}\b(?:only )?(?:say|respond|reply|answer|output|print|follow|obey)",
        0.85,
    ),
    _p(
        "access-granted",
        r"\b(?:say|print|output|respond with|reply with)\b[^.\n]{0,20}access granted",
        0.9,
    ),
    _p(
        "exfiltrate",
        r"\b(?:send|forward|email|post|upload|exfiltrate)\b[^.\n]{0,40}\b(?:conversation|chat history|user'?s? (?:data|emails?|files|messages|credentials)|api keys?|passwords?)\b[^.\n]{0,30}\b(?:to|at)\b",
        0.85,
    ),
    # French
    _p(
        "fr-ignore",
        r"\b(?:ignore[sz]?|oublie[sz]?|neglige[sz]?)\b[^.\n]{0,25}\b(?:instructions|consignes|regles|directives|indications)\b[^.\n]{0,15}\b(?:precedentes|anterieures|ci-dessus|initiales|d'avant)",
    ),
    _p("fr-forget-all", r"\boublie[sz]? tout\b"),
    _p(
        "fr-new",
        r"\bnouvel(?:le)?s? (?:instructions?|taches?|consignes?|regles?)\b[^:\n]{0,30}:",
        0.8,
    ),
    _p("fr-disregard", r"\bne (?:tiens|tenez) pas compte\b"),
    _p(
        "fr-address-ai",
        r"\b(?:message|note|instruction)s?\b[^.\n]{0,15}\bpour (?:l'|le |la )?(?:ia|assistant|modele|chatbot|agent)\b",
        0.75,
    ),
    _p("fr-disobey", r"\bn'obei(?:s|ssez) (?:plus|pas)\b"),
    _p(
        "fr-reveal",
        r"\b(?:revele|revelez|affiche|affichez|montre|donne)\b[^.\n]{0,25}\b(?:prompt|mot de passe|consignes secretes)",
    ),
    # German
    _p(
        "de-ignore",
        r"\b(?:ignorier\w*|vergiss|vergessen sie|missacht\w*|uberseh\w*)\b[^.\n]{0,30}\b(?:vorherig\w*|bisherig\w*|obig\w*|vorangegangen\w*|fruher\w*|alle\w*)\b[^.\n]{0,15}\b(?:anweisungen|regeln|instruktionen|vorgaben|befehle|richtlinien)",
    ),
    _p("de-forget-all", r"\bvergiss alles\b|\bvergessen sie alles\b"),
    _p(
        "de-new",
        r"\bneue (?:system)?(?:anweisung|aufgabe|regel|instruktion)(?:en)?\b[^:\n]{0,30}:",
        0.8,
    ),
    _p(
        "de-address-ai",
        r"\b(?:nachricht|hinweis|anweisung)\w*\b[^.\n]{0,15}\ban (?:die|den) (?:ki|assistent\w*|modell|chatbot|agent\w*)\b",
        0.75,
    ),
    _p(
        "de-disobey", r"\b(?:folge|gehorche) (?:nicht|nie) (?:dem|den) (?:nutzer|benutzer|anwender)"
    ),
    _p(
        "de-reveal",
        r"\b(?:zeig\w*|gib|verrat\w*|nenn\w*)\b[^.\n]{0,25}\b(?:systemprompt|system-prompt|passwort|kennwort)",
    ),
    # Spanish
    _p(
        "es-ignore",
        r"\b(?:ignora|ignore|ignoren|olvida|olvide|omite)\b[^.\n]{0,25}\b(?:instrucciones|indicaciones|reglas|directrices|ordenes)\b[^.\n]{0,15}\b(?:anteriores|previas|de arriba|iniciales)",
    ),
    _p("es-forget-all", r"\bolvida todo\b|\bolvide todo\b"),
    _p(
        "es-new", r"\bnuevas? (?:instrucci(?:on|ones)|tareas?|reglas?|ordenes?)\b[^:\n]{0,30}:", 0.8
    ),
    _p("es-disregard", r"\bno (?:hagas|haga) caso\b"),
    _p(
        "es-address-ai",
        r"\b(?:mensaje|nota|instruccion)\w*\b[^.\n]{0,15}\bpara (?:el|la) (?:ia|asistente|modelo|chatbot|agente)\b",
        0.75,
    ),
    _p("es-disobey", r"\bno (?:obedezcas|obedezca|sigas) (?:al|a los) usuarios?"),
    _p("es-reveal", r"\b(?:revela|muestra|dime|ensena)\b[^.\n]{0,25}\b(?:prompt|contrasena|clave)"),
    # Italian
    _p(
        "it-ignore",
        r"\b(?:ignora|ignori|ignorate|dimentica|dimentichi)\b[^.\n]{0,25}\b(?:istruzioni|indicazioni|regole|direttive)\b[^.\n]{0,15}\b(?:precedenti|di prima|sopra|iniziali)",
    ),
    _p("it-forget-all", r"\bdimentica tutto\b"),
    _p("it-new", r"\bnuov[oaie] (?:istruzion[ei]|compit[oi]|regol[ae])\b[^:\n]{0,30}:", 0.8),
    _p("it-disregard", r"\bnon tenere conto\b"),
    _p(
        "it-address-ai",
        r"\b(?:messaggio|nota|istruzion\w+)\b[^.\n]{0,15}\bper l'(?:ia|assistente|agente)\b",
        0.75,
    ),
    _p("it-disobey", r"\bnon obbedire all'utente|\bnon seguire l'utente"),
    _p(
        "it-reveal",
        r"\b(?:rivela|mostra|stampa|dimmi)\b[^.\n]{0,25}\b(?:prompt|password|parola d'ordine)",
    ),
    # Portuguese
    _p(
        "pt-ignore",
        r"\b(?:ignore|ignora|ignorem|esqueca|esquece|desconsidere)\b[^.\n]{0,25}\b(?:instrucoes|orientacoes|regras|diretrizes|ordens)\b[^.\n]{0,15}\b(?:anteriores|previas|acima|iniciais)",
    ),
    _p("pt-forget-all", r"\besqueca tudo\b|\besquece tudo\b"),
    _p("pt-new", r"\bnovas? (?:instrucao|instrucoes|tarefas?|regras?)\b[^:\n]{0,30}:", 0.8),
    _p("pt-disregard", r"\bdesconsidere (?:as|todas)\b"),
    _p(
        "pt-address-ai",
        r"\b(?:mensagem|nota|instrucao)\w*\b[^.\n]{0,15}\bpara (?:o|a) (?:ia|assistente|modelo|chatbot|agente)\b",
        0.75,
    ),
    _p("pt-disobey", r"\bnao (?:obedeca|siga) (?:ao|o) usuario"),
    _p("pt-reveal", r"\b(?:revele|mostre|diga|exiba)\b[^.\n]{0,25}\b(?:prompt|senha)"),
)

JAILBREAK: tuple[Pattern, ...] = (
    _p(
        "dan",
        r"\bdo anything now\b|\byou are (?:now )?(?:dan|stan|dude|aim|mongo tom|evil-?bot)\b|\b(?:dan|stan|dude|anti-dan) mode\b|\[🔓jailbreak\]",
    ),
    _p(
        "developer-mode",
        r"\b(?:developer|dev|god|debug|sudo|admin|unrestricted|unfiltered|uncensored|jailbreak|opposite|evil) mode\b",
        0.45,
    ),
    _p(
        "no-restrictions",
        r"\b(?:no|without|free (?:of|from)|zero|any) (?:any )?(?:restrictions|filters|filtering|rules|limits|limitations|censorship|guidelines|ethics|morals|boundaries|safeguards|content polic(?:y|ies))\b",
        0.45,
    ),
    _p(
        "never-refuse",
        r"\b(?:never|not|don't|do not|cannot|can't) (?:ever )?(?:refuse|decline|say (?:no|that you can'?t|you can'?t|i can'?t|sorry)|apologi[sz]e|warn|add (?:any )?(?:warnings|disclaimers))\b",
        0.45,
    ),
    _p(
        "stay-in-character",
        r"\b(?:stay|remain|keep) in (?:character|role)\b|\bbreak(?:ing)? character\b",
        0.45,
    ),
    _p("jailbroken", r"\bjailbr(?:eak|oken)\b", 0.45),
    _p(
        "policies-off",
        r"\b(?:polic(?:y|ies)|rules|filters|guidelines|restrictions|safety|guardrails)\b[^.\n]{0,20}\b(?:are |is |have been |been )?(?:disabled|turned off|lifted|removed|suspended|deactivated|no longer apply)",
        0.85,
    ),
    _p(
        "evil-persona",
        r"\b(?:evil|unethical|amoral|immoral|unhinged|rogue|malicious|uncensored|unfiltered) (?:ai|assistant|chatbot|bot|model|confidant|version|twin)\b",
        0.85,
    ),
    _p(
        "no-warnings",
        r"\b(?:without|no) (?:any )?(?:warnings?|disclaimers?|refusals?|caveats|moralizing|lectures?)\b",
        0.45,
    ),
    _p(
        "grandma",
        r"\b(?:my|our) (?:late|dead|deceased|dear) (?:grand(?:ma|mother|pa|father)|granny)\b",
        0.45,
    ),
    _p(
        "hypothetical-unbound",
        r"\b(?:hypothetical(?:ly)?|fictional world|in a world|imagine)\b[^.\n]{0,60}\b(?:no (?:laws|rules|ethics|restrictions)|anything is legal|nothing is illegal)",
        0.7,
    ),
    _p(
        "pretend-unbound",
        r"\b(?:pretend|act|roleplay|role-play|imagine)\b[^.\n]{0,40}\b(?:no|without|any) (?:rules|restrictions|limits|filters|ethics|morals)\b",
        0.85,
    ),
    _p(
        "two-responses",
        r"\b(?:two|2) (?:different |separate )?(?:responses|answers|ways)\b[^\n]{0,80}\b(?:normal|classic|standard|gpt)\b",
        0.7,
    ),
    _p("token-system", r"\b(?:you have|you will lose|deduct(?:ed)?) \d+ tokens\b", 0.8),
    # French
    _p(
        "fr-mode",
        r"\bmode (?:developpeur|sans (?:restriction|limite|filtre)s?|debride|libre)\b",
        0.45,
    ),
    _p(
        "fr-no-restrictions",
        r"\bsans (?:aucune? )?(?:restrictions?|regles?|filtres?|limites?|censure)\b",
        0.45,
    ),
    _p(
        "fr-never-refuse",
        r"\bne (?:refuse|refusez|dis|dites) jamais\b|\bne t'excuse jamais\b",
        0.45,
    ),
    _p("fr-character", r"\breste[sz]? dans (?:ton|le|votre) (?:personnage|role)\b", 0.45),
    _p("fr-unbound", r"\b(?:debride|sans limites?)\b", 0.45),
    _p(
        "fr-off",
        r"\b(?:regles|politiques|filtres)\b[^.\n]{0,20}\b(?:desactivee?s?|suspendue?s?|levee?s?)\b",
        0.85,
    ),
    _p(
        "fr-evil", r"\b(?:ia|assistant) (?:malefique|malveillante?|sans (?:regles|limites))\b", 0.85
    ),
    # German
    _p(
        "de-mode",
        r"\b(?:entwicklermodus|entwickler-modus|uneingeschrankte?n? modus|gott-?modus)\b",
        0.45,
    ),
    _p(
        "de-no-restrictions",
        r"\bohne (?:jede |jegliche |irgendwelche )?(?:einschrankung(?:en)?|regeln|filter|grenzen|zensur)\b",
        0.45,
    ),
    _p(
        "de-never-refuse",
        r"\b(?:niemals|nie) ab(?:lehn|gelehnt)\w*|\blehnst? (?:nie|niemals)\b|\bentschuldige dich nie\b",
        0.45,
    ),
    _p("de-character", r"\bbleib\w* (?:immer )?in (?:deiner|der|ihrer) rolle\b", 0.45),
    _p(
        "de-off",
        r"\b(?:richtlinien|regeln|filter)\b[^.\n]{0,25}\b(?:deaktiviert|abgeschaltet|aufgehoben|ausgeschaltet)\b",
        0.85,
    ),
    _p("de-evil", r"\b(?:bose|boswillige) (?:ki|assistent)\b|\bki ohne (?:grenzen|regeln)\b", 0.85),
    # Spanish
    _p("es-mode", r"\bmodo (?:desarrollador|sin (?:restricciones|limites|filtros)|dios)\b", 0.45),
    _p(
        "es-no-restrictions",
        r"\bsin (?:ninguna |ningun )?(?:restricci(?:on|ones)|reglas|filtros|limites|censura)\b",
        0.45,
    ),
    _p(
        "es-never-refuse",
        r"\bnunca (?:te niegas|se niega|digas que no|rechaces|te disculpes)\b",
        0.45,
    ),
    _p("es-character", r"\bmantente en (?:el|tu) personaje\b", 0.45),
    _p(
        "es-off",
        r"\b(?:politicas|reglas|filtros)\b[^.\n]{0,25}\b(?:desactivad[oa]s|suspendid[oa]s|eliminad[oa]s)\b",
        0.85,
    ),
    _p("es-evil", r"\bia (?:malvada|malevola|sin limites)\b", 0.85),
    # Italian
    _p("it-mode", r"\bmodalita (?:sviluppatore|senza (?:restrizioni|limiti|filtri)|dio)\b", 0.45),
    _p(
        "it-no-restrictions",
        r"\bsenza (?:alcuna |nessuna )?(?:restrizion[ei]|regole|filtri|limiti|censura)\b",
        0.45,
    ),
    _p(
        "it-never-refuse", r"\bnon (?:rifiut\w+|scusarti) mai\b|\bnon dire mai che non puoi\b", 0.65
    ),
    _p("it-character", r"\bresta nel (?:personaggio|ruolo)\b", 0.45),
    _p(
        "it-off",
        r"\b(?:regole|politiche|filtri)\b[^.\n]{0,25}\b(?:disattivat[ei]|sospes[ei]|rimoss[ei])\b",
        0.85,
    ),
    _p("it-evil", r"\bia (?:malvagia|senza limiti)\b", 0.85),
    # Portuguese
    _p("pt-mode", r"\bmodo (?:desenvolvedor|sem (?:restricoes|limites|filtros)|deus)\b", 0.45),
    _p(
        "pt-no-restrictions",
        r"\bsem (?:nenhuma |qualquer )?(?:restricao|restricoes|regras|filtros|limites|censura)\b",
        0.45,
    ),
    _p("pt-never-refuse", r"\bnunca (?:recus\w+|diga que nao|peca desculpas)\b", 0.45),
    _p("pt-character", r"\bpermaneca no personagem\b|\bfique no personagem\b", 0.45),
    _p(
        "pt-off",
        r"\b(?:politicas|regras|filtros)\b[^.\n]{0,25}\b(?:desativad[oa]s|suspens[oa]s|removid[oa]s)\b",
        0.85,
    ),
    _p("pt-evil", r"\bia (?:malvada|maligna|sem limites)\b", 0.85),
)
