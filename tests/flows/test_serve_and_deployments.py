"""`curate serve` and prefect.yaml: schedules that need a real server, deployments a work pool can run."""

import importlib
import shutil
from pathlib import Path

import pytest
import yaml
from prefect import Flow

from pipeline.cli import main
from pipeline.flows import RunOptions
from pipeline.settings import PRIVACY_ENV

ROOT = Path(__file__).parents[2]


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    monkeypatch.chdir(tmp_path)
    for name in ("PREFECT_API_URL", "CURATE_STORE_URL", "CURATE_NCBI_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_serve_refuses_to_schedule_on_an_embedded_server(project, capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--cron", "*/5 * * * *"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "curate serve needs a Prefect server" in err and "PREFECT_API_URL" in err


def test_serve_schedules_both_flows_without_secrets_in_their_parameters(project, capsys, monkeypatch):
    served = []
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never contacted: serve is replaced
    monkeypatch.setenv("CURATE_NCBI_EMAIL", "curator@example.org")
    monkeypatch.setenv("CURATE_NCBI_API_KEY", "s3cret-key-123")
    monkeypatch.setattr("prefect.serve", lambda *deployments, **kw: served.extend(deployments))
    with pytest.raises(SystemExit) as info:
        main(["serve", "--cron", "*/5 * * * *", "--top-k", "3"])
        raise SystemExit(0)
    assert info.value.code == 0, capsys.readouterr().err
    by_name = {d.name: d for d in served}
    assert set(by_name) == {"curate-all", "refresh-evidence"}
    assert [s.schedule.cron for s in by_name["curate-all"].schedules] == ["*/5 * * * *"]
    params = by_name["curate-all"].parameters["options"]
    assert params["top_k"] == 3 and params["store_url"] is None
    assert "s3cret" not in repr(by_name) and "curator@example.org" not in repr(by_name)


def test_prefect_yaml_deploys_importable_flows_with_valid_parameters():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == {"curate-all", "refresh-evidence"}
    for deployment in deployments.values():
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow)
        RunOptions.model_validate(deployment["parameters"]["options"])
        assert deployment["work_pool"]["name"] == "curate-pool"
        assert deployment["work_pool"]["job_variables"]["env"] == PRIVACY_ENV  # whatever the worker's env
        assert len(deployment["schedules"][0]["cron"].split()) == 5
