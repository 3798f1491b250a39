"""Figures of a run: PNG always, SVG/PDF written by the kernel with --export (byte-identical to a direct save)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from conftest import prices_from_returns
from rotation.outputs import figexport, plots


def draw():
    plots.house_style()
    series = prices_from_returns([0.01, -0.02, 0.015, 0.0, 0.03])
    series.attrs["source"] = "Yahoo ^RUT, file RUT.csv"
    fig, ax = plt.subplots()
    ax.plot(series.index, series.values, label="index")
    ax.legend()
    plots.finish_figure(
        fig,
        ax,
        title="A title",
        xlabel="date",
        ylabel="index points",
        source=plots.source_note(series, definition="price index, close to close"),
    )
    return fig


def test_a_run_without_export_writes_png_only_and_with_export_the_same_bytes_as_a_direct_save(project, monkeypatch):
    fig = draw()
    direct = plots.save_figure(fig, "fig one", "direct", show=False)
    plt.close(fig)
    monkeypatch.setenv(
        figexport.DEFER_ENV, ",".join(figexport.VECTOR_FORMATS)
    )  # what kernel_env() sets without --export
    assert figexport.kernel_env() == {figexport.DEFER_ENV: "svg,pdf"} and figexport.kernel_env(export=True) == {}
    fig = draw()
    skipped = plots.save_figure(fig, "fig one", "skipped", show=False)
    plt.close(fig)
    folder = project / "figures" / "skipped"
    assert [p.name for p in skipped] == [p.name for p in direct] == ["fig_one.png", "fig_one.svg", "fig_one.pdf"]
    assert (folder / "fig_one.png").is_file() and (folder / "fig_one.txt").is_file()
    assert not (folder / "fig_one.svg").exists() and figexport.pending(folder) == [folder / "fig_one.png"]
    assert not (folder / figexport.PENDING).exists()  # nothing kept as live objects
    assert (folder / "fig_one.png").read_bytes() == direct[0].read_bytes()
    monkeypatch.delenv(figexport.DEFER_ENV)  # --export: the kernel saves every format itself
    fig = draw()
    exported = plots.save_figure(fig, "fig one", "exported", show=False)
    plt.close(fig)
    for a, b in zip(direct, exported):
        assert a.read_bytes() == b.read_bytes(), a.name


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
    assert figexport.pending(folder) == [folder / "fig_one.png"]


def test_rotation_export_refuses_a_run_that_does_not_exist(project, capsys):
    from rotation import cli

    assert cli.main(["export", "never-ran"]) == 2
    assert "run folder" in capsys.readouterr().err
