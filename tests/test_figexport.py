"""Figures of a run: PNG at once, SVG/PDF in one pass after the notebooks, byte-identical to a direct save."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from conftest import prices_from_returns
from rotation.outputs import figexport
from rotation.outputs import plots


def draw():
    plots.house_style()
    series = prices_from_returns([0.01, -0.02, 0.015, 0.0, 0.03])
    series.attrs["source"] = "Yahoo ^RUT, file RUT.csv"
    fig, ax = plt.subplots()
    ax.plot(series.index, series.values, label="index")
    ax.legend()
    plots.finish_figure(fig, ax, title="A title", xlabel="date", ylabel="index points",
                        source=plots.source_note(series, definition="price index, close to close"))
    return fig


def test_deferred_formats_are_written_by_the_export_pass_byte_identical(project, monkeypatch):
    fig = draw()
    direct = plots.save_figure(fig, "fig one", "direct", show=False)
    plt.close(fig)
    monkeypatch.setenv(figexport.DEFER_ENV, "svg,pdf")
    fig = draw()
    deferred = plots.save_figure(fig, "fig one", "deferred", show=False)
    plt.close(fig)
    folder = project / "figures" / "deferred"
    assert [p.name for p in deferred] == [p.name for p in direct] == ["fig_one.png", "fig_one.svg", "fig_one.pdf"]
    assert (folder / "fig_one.png").is_file() and (folder / "fig_one.txt").is_file()
    assert not (folder / "fig_one.svg").exists() and len(figexport.pending(folder)) == 1
    monkeypatch.delenv(figexport.DEFER_ENV)
    written = figexport.export_pending(folder)
    assert sorted(p.name for p in written) == ["fig_one.pdf", "fig_one.svg"]
    for p in direct:
        assert (folder / p.name).read_bytes() == p.read_bytes(), p.name
    assert not (folder / figexport.PENDING).exists()  # nothing left behind
    assert figexport.export_pending(folder) == []  # a second pass has nothing to do


def test_png_is_never_deferred(monkeypatch):
    monkeypatch.setenv(figexport.DEFER_ENV, "png,svg")
    assert figexport.deferred_formats(("png", "svg", "pdf")) == ("svg",)
    monkeypatch.delenv(figexport.DEFER_ENV)
    assert figexport.deferred_formats(("png", "svg", "pdf")) == ()


def test_a_deferred_save_removes_an_older_vector_file_of_the_same_figure(project, monkeypatch):
    # a partial re-run must not leave an SVG of the previous figure beside the new PNG
    fig = draw()
    plots.save_figure(fig, "fig one", "again", show=False)
    plt.close(fig)
    folder = project / "figures" / "again"
    assert (folder / "fig_one.svg").is_file()
    monkeypatch.setenv(figexport.DEFER_ENV, "svg,pdf")
    fig = draw()
    plots.save_figure(fig, "fig one", "again", show=False)
    plt.close(fig)
    assert not (folder / "fig_one.svg").exists() and not (folder / "fig_one.pdf").exists()
    assert len(figexport.pending(folder)) == 1


def test_rotation_export_writes_a_runs_pending_formats_once(project, monkeypatch, capsys):
    from rotation import cli

    monkeypatch.setenv(figexport.DEFER_ENV, "svg,pdf")
    fig = draw()
    plots.save_figure(fig, "fig one", "kept", show=False)
    plt.close(fig)
    monkeypatch.delenv(figexport.DEFER_ENV)
    assert cli.main(["export", "kept"]) == 2  # no run folder: refused in one line
    assert "run folder" in capsys.readouterr().err
    (project / "runs" / "kept").mkdir(parents=True)
    assert cli.main(["export", "kept"]) == 0
    assert "2 files written (PDF, SVG)" in capsys.readouterr().out
    folder = project / "figures" / "kept"
    assert (folder / "fig_one.svg").is_file() and (folder / "fig_one.pdf").is_file() and not figexport.pending(folder)
    assert cli.main(["export", "kept"]) == 0
    assert "nothing to write" in capsys.readouterr().out
    assert cli.main(["export", "never-ran"]) == 2
