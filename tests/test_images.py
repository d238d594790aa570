"""`make images` (tools/demos/images.py): the pictures hold still. Run twice,
it rewrites nothing the second time; a picture whose pixels did not change
is not rewritten; a changed CSV redraws the timeline, whose colours are
explained by a legend of the CSV's kinds, on an x axis of its years. Each
run is in a copy of the repo, never in this one's images/."""

import csv
import io
import os
import re

import pytest
from matplotlib.colors import to_hex
from PIL import Image

from tools.demos import browser, images
from tools.paths import ROOT

PICTURES = ("luigi8", "confused", "graph")


def tools_in(data):
    """The tools of a CSV file of workflow tools, read here on their own: [(name, year, kind)]."""
    rows = csv.DictReader(line for line in data.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return [(row["name"], int(row["year"]), row["kind"]) for row in rows]


def said(output):
    """{picture: "redrawn" or "unchanged"}, as make images says it for each."""
    return dict(re.findall(r"^images/(\w+)\.png: (redrawn|unchanged)$", output, re.M))


def files(repo):
    """{picture: (its bytes, its mtime in ns)}."""
    return {name: ((repo / f"images/{name}.png").read_bytes(), (repo / f"images/{name}.png").stat().st_mtime_ns)
            for name in PICTURES}  # fmt: skip


def needs_chromium():
    if browser.find() is None:
        message = f"the screenshot of the visualiser needs Chromium: {browser.INSTALL}"
        pytest.fail(f"on CI, {message} (.ci/run installs it)") if os.environ.get("CI") else pytest.skip(message)


def test_make_images_twice_rewrites_nothing_the_second_time(repo, sh, git_status):
    needs_chromium()
    first = sh("make images", repo, timeout=300)
    assert first.returncode == 0, first.stdout
    assert set(said(first.stdout)) == set(PICTURES), first.stdout
    after_first, status = files(repo), git_status(repo)
    for name in PICTURES:
        with Image.open(repo / f"images/{name}.png") as picture:
            assert picture.format == "PNG" and picture.width >= 960, (name, picture.format, picture.size)
    second = sh("make images", repo, timeout=300)
    assert second.returncode == 0, second.stdout
    assert said(second.stdout) == dict.fromkeys(PICTURES, "unchanged"), second.stdout
    assert files(repo) == after_first, "the second run rewrote a picture"
    assert git_status(repo) == status


def test_same_pixels_are_not_rewritten_but_a_changed_csv_redraws_the_timeline(repo, sh):
    draw = "python -m tools.demos.images luigi8 confused"  # all but the screenshot: no Chromium needed
    assert sh(draw, repo).returncode == 0
    banner, timeline = repo / "images/luigi8.png", repo / "images/confused.png"
    with Image.open(banner) as picture:  # the same pixels, other bytes: stored without compression
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", compress_level=0)
    banner.write_bytes(buffer.getvalue())
    for path in (banner, timeline):
        os.utime(path, ns=(10**18, 10**18))
    before = {path: path.read_bytes() for path in (banner, timeline)}

    again = sh(draw, repo)
    assert again.returncode == 0 and said(again.stdout) == {"luigi8": "unchanged", "confused": "unchanged"}, (
        again.stdout
    )
    assert all(path.read_bytes() == data and path.stat().st_mtime_ns == 10**18 for path, data in before.items())

    data = repo / "images/workflow-tools.csv"
    data.write_text(data.read_text(encoding="utf-8") + "Hamilton,2021,dataflow,Stitch Fix\n", encoding="utf-8")
    changed = sh(draw, repo)
    assert changed.returncode == 0 and said(changed.stdout) == {"luigi8": "unchanged", "confused": "redrawn"}
    assert banner.read_bytes() == before[banner] and banner.stat().st_mtime_ns == 10**18
    assert timeline.stat().st_mtime_ns != 10**18 and not images.same_pixels(timeline.read_bytes(), before[timeline])


@pytest.mark.parametrize("extra", ["", "Hamilton,2021,dataflow,Stitch Fix\nRake,2003,build tool,Jim Weirich\n"])
def test_the_timeline_has_axes_of_years_and_a_legend_of_the_kinds(tmp_path, extra):
    data = tmp_path / "workflow-tools.csv"
    data.write_text((ROOT / "images/workflow-tools.csv").read_text(encoding="utf-8") + extra, encoding="utf-8")
    tools = tools_in(data)
    figure = images.timeline_figure(data)
    legend = figure.legends[0]
    kinds = list(dict.fromkeys(kind for _, _, kind in tools))
    assert [text.get_text() for text in legend.get_texts()] == kinds
    key = {
        text.get_text(): to_hex(handle.get_facecolor())
        for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }
    assert len(set(key.values())) == len(kinds), f"one colour per kind: {key}"

    axes = figure.axes
    shown = sorted(int(label.get_text()) for ax in axes for label in ax.get_xticklabels())
    assert shown[0] <= min(year for _, year, _ in tools) and shown[-1] >= max(year for _, year, _ in tools)
    for name, year, kind in tools:
        (ax,) = [ax for ax in axes if ax.get_xlim()[0] < year < ax.get_xlim()[1]]
        assert str(year) in [label.get_text() for label in ax.get_xticklabels()], f"{year} is not on the x axis"
        (label,) = [text for text in ax.texts if text.get_text() == name]
        x, y = label.get_position()
        (bar,) = [bar for bar in ax.patches if bar.contains_point(ax.transData.transform((x, y)))]
        assert to_hex(bar.get_facecolor()) == key[kind], f"{name}'s bar should have the colour of {kind!r}"
        assert x == year
    assert "year" in figure.get_supxlabel().lower() and axes[0].get_ylabel()
    assert max(axes[0].get_yticks()) >= max(sum(y == year for _, y, _ in tools) for _, year, _ in tools)
    assert tuple(figure.get_size_inches() * figure.dpi) == (1280, 640)


def test_a_long_gap_between_years_is_cut_out_of_the_x_axis():
    assert images.spans([1976, 2012, 2012, 2013, 2015, 2020]) == [(1976, 1976), (2012, 2020)]
    assert images.spans([2012, 2017, 2022]) == [(2012, 2022)]
    assert images.spans([1990, 2000]) == [(1990, 1990), (2000, 2000)]


def test_the_committed_pictures_are_pngs_that_the_readme_shows():
    readme = (ROOT / "README.md").read_text()
    for name in PICTURES:
        with Image.open(ROOT / f"images/{name}.png") as picture:
            assert picture.format == "PNG"
    assert "images/luigi8.png" in readme and "images/confused.png" in readme
    alt = re.search(r"!\[([^\]]*)\]\(images/confused\.png\)", readme).group(1)
    kinds = dict.fromkeys(kind for _, _, kind in tools_in(ROOT / "images/workflow-tools.csv"))
    assert all(kind.lower() in alt.lower() for kind in kinds), (
        f"the README's timeline: say what its colours mean: {alt}"
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "holds no tools"),
        (b"name,year,kind,note\nMake,soon,build tool,x\n", 'line 2: ValueError("invalid literal for int()'),
        (b"name,year\nMake,1976\n", "one without a name or kind"),
        (b"name,year,kind,note\nM\xfcnchen,1976,build tool,x\n", "cannot read"),
    ],
    ids=["empty", "a year that is no number", "a missing column", "not UTF-8"],
)
def test_a_timeline_csv_that_makes_no_sense_is_refused_in_a_sentence(tmp_path, content, said):
    data = tmp_path / "tools.csv"
    data.write_bytes(content)
    with pytest.raises(SystemExit) as refused:
        images.read_tools(data)
    assert str(refused.value).startswith("error: ") and said in str(refused.value), refused.value
