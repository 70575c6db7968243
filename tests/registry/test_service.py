"""The registry contract, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from modelsteward.registry import (
    ApprovalError,
    Decision,
    ModelStatus,
    NotFoundError,
    RegistryError,
    RegistryService,
    RequestState,
    Role,
    StoreError,
    open_registry,
)
from tests.registry.conftest import manifest, sha


def _vetted(
    registry: RegistryService, name: str = "tiny-llama", roles: tuple[str, ...] = ("legal",)
) -> int:
    files = manifest("model.safetensors", "config.json", salt=name)
    model = registry.add_model(
        name, source=f"/models/{name}", revision="r1", files=files, actor="ci"
    )
    decision = "needs_review" if roles else "approve"
    registry.record_passport(model.id, {"name": name}, decision, roles, ["obligations"], "ci")
    return model.id


def test_add_list_show_round_trip(registry: RegistryService) -> None:
    files = manifest("a.safetensors", "config.json")
    model = registry.add_model("m1", source="/m1", revision="abc", files=files, actor="alice")
    assert model.status is ModelStatus.REGISTERED and model.file_count == 2
    assert registry.add_model("m1", source="/m1", revision="abc", files=files, actor="x") == model
    registry.add_model("m2", source="/m2", revision="", files=manifest("b"), actor="alice")
    assert [m.name for m in registry.list_models()] == ["m1", "m2"]
    assert [m.name for m in registry.list_models(limit=1, offset=1)] == ["m2"]
    assert registry.count_models() == 2
    detail = registry.show("m1")
    assert detail.files == files and detail.model.id == model.id
    assert registry.show(str(model.id)).model.name == "m1"


def test_passports_are_versioned_and_set_the_status(registry: RegistryService) -> None:
    model_id = _vetted(registry, roles=())
    assert registry.find(model_id).status is ModelStatus.APPROVED
    second = registry.record_passport(model_id, {"v": 2}, "reject", [], ["scan"], "ci")
    assert second.version == 2 and second.decision is Decision.REJECT
    assert registry.find(model_id).status is ModelStatus.REJECTED
    assert [p.version for p in registry.show(model_id).passports] == [1, 2]
    assert registry.show(model_id).passports[1].passport == {"v": 2}


def test_every_required_role_must_sign(registry: RegistryService) -> None:
    model_id = _vetted(registry, roles=("legal", "security"))
    files = registry.show(model_id).files
    registry.request_approval(model_id, "alice")
    registry.approve(model_id, "legal", "bob", "license obligations accepted")
    status = registry.is_approved(files)
    assert not status.approved and "security" in status.reason
    req = registry.approve(model_id, Role.SECURITY, "carol", "no code paths")
    assert req.state is RequestState.APPROVED and req.missing_roles == ()
    status = registry.is_approved(files)
    assert status.approved and status.model == "tiny-llama"


def test_the_requester_cannot_sign_their_own_request(registry: RegistryService) -> None:
    model_id = _vetted(registry)
    registry.request_approval(model_id, "alice")
    with pytest.raises(ApprovalError, match="cannot also sign"):
        registry.approve(model_id, "legal", "alice", "looks fine to me")
    with pytest.raises(ApprovalError, match="cannot also sign"):
        registry.reject(model_id, "legal", "alice", "changed my mind")


def test_one_person_signs_one_role_and_only_required_roles(registry: RegistryService) -> None:
    model_id = _vetted(registry, roles=("legal", "security"))
    registry.request_approval(model_id, "alice")
    with pytest.raises(ApprovalError, match="not asked to review"):
        registry.approve(model_id, "safety", "dan", "ok")
    registry.approve(model_id, "legal", "bob", "ok")
    with pytest.raises(ApprovalError, match="already signed"):
        registry.approve(model_id, "security", "bob", "ok")
    with pytest.raises(ApprovalError, match="already signed"):
        registry.approve(model_id, "legal", "erin", "ok")
    with pytest.raises(ApprovalError, match="cannot approve"):
        registry.approve(model_id, "admin", "root", "ok")


def test_a_rejection_closes_the_request(registry: RegistryService) -> None:
    model_id = _vetted(registry)
    registry.request_approval(model_id, "alice")
    registry.reject(model_id, "legal", "bob", "MAU threshold needs a separate license")
    assert registry.find(model_id).status is ModelStatus.REJECTED
    assert "MAU threshold" in registry.explain(model_id)
    with pytest.raises(ApprovalError, match="already rejected"):
        registry.approve(model_id, "legal", "carol", "ok")
    with pytest.raises(ApprovalError, match="rejected"):
        registry.request_approval(model_id, "alice")
    registry.record_passport(model_id, {"v": 2}, "needs_review", ["legal"], [], "ci")
    assert registry.request_approval(model_id, "alice").state is RequestState.PENDING


def test_a_changed_file_voids_the_approval(registry: RegistryService) -> None:
    model_id = _vetted(registry)
    files = registry.show(model_id).files
    registry.request_approval(model_id, "alice")
    registry.approve(model_id, "legal", "bob", "ok")
    assert registry.is_approved(files).approved
    changed = {**files, "model.safetensors": sha("tampered")}
    model = registry.add_model("tiny-llama", source="/x", revision="r2", files=changed, actor="ci")
    assert model.status is ModelStatus.REGISTERED
    assert not registry.is_approved(files).approved
    status = registry.is_approved(changed)
    assert not status.approved and "not been vetted" in status.reason
    with pytest.raises(RegistryError, match="no passport for its current files"):
        registry.request_approval(model_id, "alice")


def test_a_change_after_the_request_voids_it(registry: RegistryService) -> None:
    model_id = _vetted(registry, roles=("legal", "security"))
    files = registry.show(model_id).files
    registry.request_approval(model_id, "alice")
    registry.approve(model_id, "legal", "bob", "ok")
    changed = {**files, "config.json": sha("other")}
    registry.add_model("tiny-llama", source="/x", revision="r2", files=changed, actor="ci")
    registry.record_passport(model_id, {}, "needs_review", ["legal", "security"], [], "ci")
    with pytest.raises(ApprovalError, match="void"):
        registry.approve(model_id, "security", "carol", "ok")
    req = registry.request_approval(model_id, "alice")
    assert req.missing_roles == (Role.LEGAL, Role.SECURITY)


def test_a_rejected_passport_cannot_be_approved(registry: RegistryService) -> None:
    model = registry.add_model("trojan", source="/t", revision="", files=manifest("p"), actor="ci")
    registry.record_passport(model.id, {}, "reject", [], ["scan.pickle.unsafe-global"], "ci")
    with pytest.raises(ApprovalError, match="policy rejected"):
        registry.request_approval(model.id, "alice")
    status = registry.is_approved(manifest("p"))
    assert not status.approved and "scan.pickle.unsafe-global" in status.reason


def test_is_approved_compares_contents_not_paths(registry: RegistryService) -> None:
    model_id = _vetted(registry, roles=())
    files = registry.show(model_id).files
    renamed = {"weights/" + k: v for k, v in files.items()}
    one = dict([next(iter(files.items()))])
    assert registry.is_approved(renamed).approved
    assert registry.is_approved(one).approved
    assert not registry.is_approved({**one, "extra.bin": sha("extra")}).approved
    assert not registry.is_approved({}).approved


def test_only_approved_models_deploy(registry: RegistryService) -> None:
    model_id = _vetted(registry)
    with pytest.raises(RegistryError, match="not approved"):
        registry.deploy(model_id, "prod", "vllm", [], "ops")
    registry.request_approval(model_id, "alice")
    registry.approve(model_id, "legal", "bob", "ok")
    inventory = [{"name": "vllm", "version": "0.8.4"}]
    dep = registry.deploy(model_id, "prod-eu-1", "vllm", inventory, "ops")
    assert dep.runtime_inventory == tuple(inventory)
    assert registry.show(model_id).deployments == (dep,)
    assert registry.deployments() == [dep]


def test_bad_input_raises_with_hints(registry: RegistryService) -> None:
    with pytest.raises(NotFoundError) as err:
        registry.find("nope")
    assert err.value.hint
    with pytest.raises(RegistryError, match="SHA-256"):
        registry.add_model("m", source="", revision="", files={"a": "xyz"}, actor="a")
    with pytest.raises(RegistryError, match="no files"):
        registry.add_model("m", source="", revision="", files={}, actor="a")
    model_id = _vetted(registry)
    with pytest.raises(RegistryError, match="unknown decision"):
        registry.record_passport(model_id, {}, "maybe", [], [], "ci")
    with pytest.raises(RegistryError, match="unknown role"):
        registry.record_passport(model_id, {}, "needs_review", ["ceo"], [], "ci")
    with pytest.raises(ApprovalError, match="nobody has requested"):
        registry.approve(model_id, "legal", "bob", "ok")


def test_every_change_is_audited(registry: RegistryService) -> None:
    model_id = _vetted(registry)
    registry.request_approval(model_id, "alice")
    registry.request_approval(model_id, "alice")  # idempotent: no second entry
    registry.approve(model_id, "legal", "bob", "ok")
    result = registry.audit_verify()
    assert result.ok and result.count == 4
    import io

    buf = io.StringIO()
    assert registry.audit_export(buf) == 4
    actions = [line.split('"action":"')[1].split('"')[0] for line in buf.getvalue().splitlines()]
    assert actions == ["model.added", "passport.recorded", "approval.requested", "approval.signed"]


def test_reopening_keeps_the_data(dsn: str) -> None:
    first = open_registry(dsn)
    model_id = _vetted(first)
    first.close()
    again = open_registry(dsn)
    try:
        assert again.find(model_id).name == "tiny-llama"
        assert again.audit_verify().ok
    finally:
        again.close()


@pytest.mark.parametrize(
    "dsn_text",
    ["postgresql://nobody@127.0.0.1:9/none", "mysql://x@y/z", "sqlite:///:memory:"],
)
def test_unusable_databases_raise_store_error_with_a_hint(dsn_text: str) -> None:
    with pytest.raises(StoreError) as err:
        open_registry(dsn_text)
    assert err.value.hint


def test_passwords_are_masked_in_errors() -> None:
    with pytest.raises(StoreError) as err:
        open_registry("postgresql://u:s3cret@127.0.0.1:9/db")
    assert "s3cret" not in err.value.message


def test_tokens_identify_actors_and_only_admins_enroll(registry: RegistryService) -> None:
    from modelsteward.registry import Actor

    actors = registry.actors
    assert not actors.required()
    with pytest.raises(ApprovalError, match="first enrolled actor must be an admin"):
        actors.enroll(Actor("bob", Role.LEGAL), by=None)
    root_token = actors.enroll(Actor("root", Role.ADMIN), by=None)
    assert actors.required() and root_token.startswith("mst_")
    root = actors.authenticate(root_token)
    assert root == Actor("root", Role.ADMIN)
    with pytest.raises(ApprovalError, match="authenticated admin"):
        actors.enroll(Actor("eve", Role.LEGAL), by=None)
    bob_token = actors.enroll(Actor("bob", Role.LEGAL), by=root)
    bob = actors.authenticate(bob_token)
    with pytest.raises(ApprovalError, match="authenticated admin"):
        actors.enroll(Actor("eve", Role.ADMIN), by=bob)
    assert actors.revoke(bob, by=root) == 1
    with pytest.raises(ApprovalError, match="unknown or revoked"):
        actors.authenticate(bob_token)
    assert registry.audit_verify().count == 3
