"""Chat template analysis: real templates pass; SSTI chains and resource abuse fire."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.demo.models import CHAT_TEMPLATE
from modelsteward.findings import Severity
from modelsteward.inventory import walk_model
from modelsteward.scan._template_probe import TemplateLimits
from modelsteward.scan.chat_template import (
    RULES,
    ChatTemplateScanner,
    TemplateIssueKind,
    analyse_template,
)
from modelsteward.scan.interface import ScanOptions
from tests.scan.format_factories import rule_ids, scan

SCANNER = ChatTemplateScanner()

# Shapes of real templates from popular model repositories (written for these tests).
LLAMA3_STYLE = (
    "{{- bos_token }}{%- if tools is not none %}{%- set ns = namespace(sys='') %}{%- endif %}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{%- if message.tool_calls is defined %}{%- for call in message.tool_calls %}"
    "{{- call.function.name }}{{- call.function.arguments | tojson }}{%- endfor %}"
    "{%- else %}{{- message['content'] | trim }}{%- endif %}{{- '<|eot_id|>' }}"
    "{%- endfor %}{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)
CHATML_STYLE = (
    "{%- set ns = namespace(found=false) -%}"
    "{%- for m in messages -%}{%- if m.role == 'system' -%}{%- set ns.found = true -%}"
    "{%- endif -%}{%- endfor -%}"
    "{%- if not ns.found -%}{{ '<|im_start|>system\\nYou are helpful.<|im_end|>\\n' }}"
    "{%- endif -%}{%- for m in messages -%}"
    "{%- if m.role not in ['system', 'user', 'assistant', 'tool'] -%}"
    "{{ raise_exception('Unsupported role') }}{%- endif -%}"
    "{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}"
    "{%- endfor -%}{%- if tools %}{{ tools | tojson(indent=2) }}{% endif %}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
    "{%- for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}{% endfor %}"
    "{{ strftime_now('%d %b %Y') }}"
)


QWEN_STYLE = (Path(__file__).parent / "data" / "qwen_style_template.jinja").read_text("utf-8")


@pytest.mark.parametrize("template", [CHAT_TEMPLATE, LLAMA3_STYLE, CHATML_STYLE, QWEN_STYLE])
def test_benign_templates_have_no_issues(template: str) -> None:
    assert analyse_template(template) == []


@pytest.mark.parametrize(
    ("template", "kind"),
    [
        # CVE-2024-34359 (GHSA-56xg-wfcc-g829), llama-cpp-python < 0.2.72.
        ("{{ ().__class__.__base__.__subclasses__() }}", TemplateIssueKind.ESCAPE),
        (
            "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}",
            TemplateIssueKind.ESCAPE,
        ),
        ("{{ lipsum.__globals__['os'].popen('id').read() }}", TemplateIssueKind.ESCAPE),
        ("{{ cycler.__init__.__globals__.os.popen('id') }}", TemplateIssueKind.ESCAPE),
        ("{{ joiner.__init__.__globals__ }}", TemplateIssueKind.ESCAPE),
        ("{{ namespace.__init__.__globals__ }}", TemplateIssueKind.ESCAPE),
        ("{{ ().__class__.mro()[1] }}", TemplateIssueKind.ESCAPE),
        ("{{ messages['__class__'] }}", TemplateIssueKind.ESCAPE),
        ("{{ ()|attr('__class__') }}", TemplateIssueKind.ESCAPE),
        # Split and re-joined names, a classic filter bypass.
        ("{{ ()|attr('__cla' ~ 'ss__') }}", TemplateIssueKind.ESCAPE),
        ("{{ ()|attr('_' * 2 ~ 'class' ~ '_' * 2) }}", TemplateIssueKind.ESCAPE),
        ("{{ messages|map(attribute='__class__')|list }}", TemplateIssueKind.ESCAPE),
        # Format-string attribute access (str.format is not sandboxed by every loader).
        ("{{ '{0.__class__.__init__.__globals__}'.format(messages) }}", TemplateIssueKind.ESCAPE),
        ("{{ '{0.role}'.format_map(messages[0]) }}", TemplateIssueKind.ESCAPE),
        ("{{ lipsum }}", TemplateIssueKind.SUSPICIOUS),
        ("{{ config.items() }}", TemplateIssueKind.SUSPICIOUS),
        ("{{ request }}", TemplateIssueKind.SUSPICIOUS),
        ("{% set a = messages[0].content %}{{ ()|attr(a) }}", TemplateIssueKind.SUSPICIOUS),
        ("{{ messages._private }}", TemplateIssueKind.SUSPICIOUS),
        ("{{ 'x' * 1000000000 }}", TemplateIssueKind.RESOURCE_LIMIT),
        ("{{ [1] * 100000000 }}", TemplateIssueKind.RESOURCE_LIMIT),
        ("{{ 'x'|center(999999999) }}", TemplateIssueKind.RESOURCE_LIMIT),
        ("{{ 'x'.ljust(999999999) }}", TemplateIssueKind.RESOURCE_LIMIT),
        ("{{ '%999999999s'|format('x') }}", TemplateIssueKind.RESOURCE_LIMIT),
        ("{{ 9 ** 99999999 }}", TemplateIssueKind.RESOURCE_LIMIT),
        (
            "{% set ns = namespace(s='abcdefgh') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            TemplateIssueKind.RESOURCE_LIMIT,
        ),
        (
            "{% set ns = namespace(s='abcdefgh') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}",
            TemplateIssueKind.RESOURCE_LIMIT,
        ),
        ("{% for m in messages %}", TemplateIssueKind.MALFORMED),
    ],
)
def test_hostile_template_fires(template: str, kind: TemplateIssueKind) -> None:
    issues = analyse_template(template)
    assert kind in {i.kind for i in issues}, issues
    if kind is TemplateIssueKind.ESCAPE:
        assert max(i.severity for i in issues) is Severity.CRITICAL


def test_runtime_block_by_the_sandbox_is_an_escape() -> None:
    # Names assembled from data at render time defeat static folding; the sandbox catches it.
    template = "{% set n = messages[0].content[:0] ~ '_' * 2 %}{{ ().__len__ }}"
    issues = analyse_template(template)
    assert TemplateIssueKind.ESCAPE in {i.kind for i in issues}


def test_endless_loop_stops_at_the_deadline() -> None:
    template = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    issues = analyse_template(template, TemplateLimits(timeout_s=0.3))
    assert [i.kind for i in issues] == [TemplateIssueKind.RESOURCE_LIMIT]


def test_oversized_source_is_refused() -> None:
    issues = analyse_template("x" * 50, TemplateLimits(max_source_chars=10))
    assert [i.kind for i in issues] == [TemplateIssueKind.RESOURCE_LIMIT]


def _config(tmp_path: Path, value: object, name: str = "tokenizer_config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"bos_token": "<s>", "chat_template": value}), encoding="utf-8")
    return path


def test_tokenizer_config_with_benign_template_passes(tmp_path: Path) -> None:
    assert scan(SCANNER, _config(tmp_path, CHATML_STYLE)) == []


def test_tokenizer_config_with_ssti_fires_exact_rule(tmp_path: Path) -> None:
    found = scan(SCANNER, _config(tmp_path, "{{ ''.__class__.__mro__[1].__subclasses__() }}"))
    assert rule_ids(found) == {"scan.chat-template.escape"}
    assert found[0].location.member == "chat_template"


def test_named_template_list_is_each_analysed(tmp_path: Path) -> None:
    value = [
        {"name": "default", "template": CHAT_TEMPLATE},
        {"name": "tool_use", "template": "{{ lipsum }}"},
    ]
    found = scan(SCANNER, _config(tmp_path, value))
    assert rule_ids(found) == {"scan.chat-template.suspicious"}
    assert found[0].location.member == "chat_template[tool_use]"


@pytest.mark.parametrize("value", [42, [{"name": "x"}], ["plain"]])
def test_bad_chat_template_shape_is_malformed(tmp_path: Path, value: object) -> None:
    assert rule_ids(scan(SCANNER, _config(tmp_path, value))) == {"scan.chat-template.malformed"}


def test_config_without_template_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer_config.json"
    path.write_text('{"model_max_length": 8}', encoding="utf-8")
    assert scan(SCANNER, path) == []


@pytest.mark.parametrize("name", ["chat_template.jinja", "additional_chat_templates/tools.jinja"])
def test_jinja_file_is_scanned(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("{{ cycler.__init__.__globals__ }}", encoding="utf-8")
    art = walk_model(tmp_path, hash_files=False).artifacts[0]
    assert SCANNER.handles(art)
    assert "scan.chat-template.escape" in rule_ids(SCANNER.scan(art, ScanOptions()))


def test_other_jinja_files_are_not_chat_templates(tmp_path: Path) -> None:
    path = tmp_path / "kernel.py.jinja"
    path.write_text("{{ kernel.def_kernel() }}", encoding="utf-8")
    assert not SCANNER.handles(walk_model(path, hash_files=False).artifacts[0])


def test_rules_catalog() -> None:
    ids = {r.id for r in RULES}
    assert ids == {
        "scan.chat-template.escape",
        "scan.chat-template.suspicious",
        "scan.chat-template.resource-limit",
        "scan.chat-template.malformed",
    }


@pytest.mark.parametrize(
    "template",
    [
        # Names built at render time defeat static folding; the sandbox's refusal is the proof.
        "{% set n = dict(__cl=1, ass__=1)|join %}{{ ()|attr(n) }}",
        "{{ ()|attr(['_', '_', 'class', '_', '_']|join) }}",
        "{{ ()|attr('%c%c%s%c%c'|format(95, 95, 'class', 95, 95)) }}",
        "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    ],
)
def test_names_assembled_at_render_time_are_escapes(template: str) -> None:
    issues = analyse_template(template)
    escapes = [i for i in issues if i.kind is TemplateIssueKind.ESCAPE]
    assert escapes and escapes[0].severity is Severity.CRITICAL


@pytest.mark.parametrize("template", ["{{ messages.pop() }}", "{% set x = messages.append(1) %}"])
def test_refused_list_mutation_is_not_an_escape(template: str) -> None:
    assert analyse_template(template) == []


def test_deeply_nested_template_is_malformed_not_a_crash() -> None:
    source = "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"
    assert [i.kind for i in analyse_template(source)] == [TemplateIssueKind.MALFORMED]


def test_special_tokens_that_look_like_dunders_are_fine() -> None:
    template = (
        "{% for m in messages %}{{ '<|__start__|>' + m.content + '<|__end__|>' }}{% endfor %}"
    )
    assert analyse_template(template) == []
