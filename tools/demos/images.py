"""`make images`: draw every picture in images/, from code and data in this repo.

- luigi8.png: the workshop's banner, 8-bit style: a small task graph in the
  colours of luigi's visualiser (pending, running, done) and the title, in
  a pixel font of its own, drawn pixel by pixel and scaled up by Pillow.
- confused.png: how crowded the field of workflow tools is, a matplotlib
  chart of first releases by year, coloured by kind, from
  images/workflow-tools.csv.
- graph.png: a real screenshot of luigi's visualiser showing chapter 6's
  graph half-way through a run. It holds still: the tasks and their states
  are told to a luigid on a free port through its API (no run, no clock),
  the page has no animated pause switch, and headless Chromium takes it at
  a fixed window size with its random numbers seeded (the visualiser
  shifts each row of the graph at random), until two shots agree.

A picture whose pixels did not change is not written again, so that
`make images` twice in a row leaves git with nothing to commit.

    python -m tools.demos.images [luigi8 confused graph]
"""

import csv
import importlib.util
import io
import random
import sys
import tempfile
from pathlib import Path

import luigi.task
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from PIL import Image, ImageDraw

from tools import luigid, processes
from tools.chapters import find
from tools.demos import browser
from tools.paths import ROOT, SOLUTIONS

IMAGES = ROOT / "images"
TOOLS = IMAGES / "workflow-tools.csv"

# The visualiser's colours, and a few for the background.
PENDING, RUNNING, DONE = (0xEE, 0xBB, 0x00), (0x00, 0x44, 0xDD), (0x00, 0xDD, 0x00)
NIGHT, WHITE, GREY, LINE = (0x1B, 0x1E, 0x3C), (0xF4, 0xF4, 0xF0), (0x8A, 0x8F, 0xB0), (0xC8, 0xCC, 0xE0)


def png(image):
    """A Pillow image as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# The banner ---------------------------------------------------------------------


# A 5x7 pixel font, with the characters that the banner writes.
GLYPHS = {
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "####. #...# #...# #...# #...# #...# ####.",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "-": "..... ..... ..... .###. ..... ..... .....",
    " ": "..... ..... ..... ..... ..... ..... .....",
}


def write(draw, x, y, words, color, scale=1):
    """words in the pixel font, from x, y; each of its pixels scale pixels square. Returns where they end."""
    for char in words:
        for row, bits in enumerate(GLYPHS[char].split()):
            for column, bit in enumerate(bits):
                if bit == "#":
                    left, top = x + column * scale, y + row * scale
                    draw.rectangle((left, top, left + scale - 1, top + scale - 1), color)
        x += 6 * scale
    return x - scale


def task(draw, x, y, color):
    """A task as a pixel-art block: a coloured square with a light corner and a dark edge."""
    draw.rectangle((x, y, x + 6, y + 6), tuple(channel // 2 for channel in color))
    draw.rectangle((x, y, x + 5, y + 5), color)
    draw.rectangle((x + 1, y + 1, x + 2, y + 1), WHITE)
    draw.point((x + 1, y + 2), WHITE)


def draw_banner():
    """The banner: a graph of 8 tasks fanning into 2, then 1, and the title; 240 x 72 pixels, 4 times larger."""
    image = Image.new("RGB", (240, 72), NIGHT)
    draw = ImageDraw.Draw(image)
    stars = random.Random(8)
    for _ in range(70):
        draw.point((stars.randrange(240), stars.randrange(72)), stars.choice([GREY, LINE, WHITE]))
    leaves = [(8, 6 + 8 * i) for i in range(8)]
    merges, report = [(32, 18), (32, 46)], (54, 32)
    for i, (x, y) in enumerate(leaves):
        mx, my = merges[i // 4]
        draw.line((x + 6, y + 3, mx, my + 3), LINE)
    for mx, my in merges:
        draw.line((mx + 6, my + 3, report[0], report[1] + 3), LINE)
    for i, (x, y) in enumerate(leaves):
        task(draw, x, y, DONE if i < 5 else RUNNING if i < 7 else PENDING)
    for (x, y), color in zip(merges, [RUNNING, PENDING], strict=True):
        task(draw, x, y, color)
    task(draw, *report, PENDING)
    for row, words in enumerate(["BATCH DATA", "PROCESSING", "WITH LUIGI"]):
        write(draw, 80 + 1, 7 + row * 18 + 1, words, (0x0A, 0x0C, 0x20), scale=2)  # a drop shadow
        write(draw, 80, 7 + row * 18, words, [WHITE, WHITE, DONE][row], scale=2)
    subtitle = "TASKS - TARGETS - DEPENDENCIES"
    write(draw, 240 - 6 - (6 * len(subtitle) - 1), 63, subtitle, GREY)
    return png(image.resize((960, 288), Image.Resampling.NEAREST))


# The timeline ---------------------------------------------------------------------

# Okabe and Ito's colours, told apart with every kind of colour blindness; one per kind of tool.
KIND_COLORS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#CC79A7", "#D55E00", "#0072B2"]


def read_tools(data=TOOLS):
    """The tools of the CSV file: [{name, year (an int), kind, note}], in its order; SystemExit
    with the line at fault if the file does not hold them."""
    where = Path(data).relative_to(ROOT) if Path(data).is_relative_to(ROOT) else data
    try:
        with open(data, encoding="utf-8") as lines:
            rows = csv.DictReader(line for line in lines if not line.startswith("#"))
            tools = [(rows.line_num, row | {"year": int(row["year"] or "")}) for row in rows]
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"error: cannot read {where}: {error}") from None
    except (ValueError, TypeError, KeyError) as error:  # a year that is no number, a missing column
        raise SystemExit(f"error: {where}, line {rows.line_num}: {error!r}; each line is name,year,kind,note") from None
    if not tools or any(not tool.get("kind") or not tool.get("name") for _, tool in tools):
        raise SystemExit(f"error: {where} holds no tools, or one without a name or kind")
    return [tool for _, tool in tools]


def spans(years, gap=5):
    """The years in runs without a gap of more than gap years: [(first, last), ...]."""
    runs = []
    for year in sorted(set(years)):
        if runs and year - runs[-1][1] <= gap:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return [tuple(run) for run in runs]


def timeline_figure(data=TOOLS):
    """The timeline as a matplotlib figure, 1280 x 640 pixels: for each year,
    a stack of the tools first released that year, coloured by their kind. A
    long quiet gap (Make, then nothing for decades) is cut out of the x axis."""
    tools = read_tools(data)
    kinds = list(dict.fromkeys(tool["kind"] for tool in tools))
    colors = {kind: KIND_COLORS[i % len(KIND_COLORS)] for i, kind in enumerate(kinds)}
    runs = spans(tool["year"] for tool in tools)
    figure = Figure(figsize=(12.8, 6.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    widths = [last - first + 2 for first, last in runs]  # half a year of room on each side of a bar
    # The names fit in their bars: a year is about 1200 / sum(widths) pixels wide, a character 0.6 em.
    fontsize = min(11.0, 0.9 * 1200 / sum(widths) / max(len(tool["name"]) for tool in tools) / 0.6 * 0.72)
    axes = figure.subplots(1, len(runs), sharey=True, squeeze=False, width_ratios=widths)[0]
    tallest = 0
    for ax, (first, last) in zip(axes, runs, strict=True):
        for year in range(first, last + 1):
            for height, tool in enumerate(t for t in tools if t["year"] == year):
                color = colors[tool["kind"]]
                ax.bar(year, 1, bottom=height, width=0.9, color=color, edgecolor="white", linewidth=2)
                red, green, blue = to_rgb(color)
                ink = "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.4 else "white"
                style = {"fontsize": fontsize, "color": ink, "weight": "bold" if tool["name"] == "luigi" else "normal"}
                ax.text(year, height + 0.5, tool["name"], ha="center", va="center", **style)
                tallest = max(tallest, height + 1)
        ax.set_xlim(first - 1, last + 1)
        ax.set_xticks(range(first, last + 1))
        ax.tick_params(labelsize=11)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
        ax.set_axisbelow(True)
    for left, right in zip(axes[:-1], axes[1:], strict=True):  # the cut in the x axis: two slashes
        right.spines["left"].set_visible(False)
        right.tick_params(axis="y", left=False)
        marks = {"marker": [(-1, -2), (1, 2)], "markersize": 12, "color": "black", "linestyle": "", "clip_on": False}
        left.plot([1], [0], transform=left.transAxes, **marks)
        right.plot([0], [0], transform=right.transAxes, **marks)
    axes[0].set_ylim(0, tallest + 0.3)
    axes[0].set_yticks(range(tallest + 1))
    axes[0].set_ylabel("new tools that year", fontsize=12)
    left_out = ", ".join(f"{a + 2} to {b - 2}" for (_, a), (b, _) in zip(runs[:-1], runs[1:], strict=True))
    figure.supxlabel(
        "year of first public release" + (f" (the axis leaves out {left_out})" if left_out else ""), fontsize=12
    )
    figure.suptitle("So many workflow tools...", fontsize=18, weight="bold", x=0.01, ha="left")
    handles = [Patch(color=colors[kind]) for kind in kinds]
    figure.legend(handles, kinds, loc="outside upper right", ncols=3, fontsize=11, frameon=False)
    return figure


def draw_timeline(data=TOOLS):
    buffer = io.BytesIO()
    timeline_figure(data).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# The screenshot ---------------------------------------------------------------------


def chapter_graph():
    """Chapter 6's tasks, from its solution: Report, then its Merges, then their Work, as luigi builds them."""
    chapter = find("Visualization")
    folder = chapter.folder(SOLUTIONS)
    spec = importlib.util.spec_from_file_location("chapter_main", folder / "main.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(folder))  # main.py imports a module beside it
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    graph, queue = [], [module.Report()]
    while queue:
        task = queue.pop(0)
        if task not in graph:
            graph.append(task)
            queue += luigi.task.flatten(task.requires())
    return graph


def half_way(graph, done=14, running=4):
    """A state of the graph half-way through `python main.py --workers 4`: the
    scheduler hands out every Work first (priority 10), so some Work is done,
    4 run, and every Merge and the Report wait."""
    work = [task for task in graph if not task.requires()]
    states = {task: "PENDING" for task in graph}
    states |= {task: "DONE" for task in work[:done]}
    states |= {task: "RUNNING" for task in work[done : done + running]}
    return states


def screenshot_graph(size=(1100, 560)):
    """A real screenshot of the visualiser showing chapter 6's graph, half-way
    through a run: the same picture on every run."""
    graph = chapter_graph()
    states = half_way(graph)
    with tempfile.TemporaryDirectory(prefix="images-") as scratch:
        # A luigid without the pause switch: the page animates it as it opens, a pixel one way or the other.
        config = Path(scratch) / "luigid.cfg"
        config.write_text("[scheduler]\npause_enabled = false\n")  # read after ./luigi.cfg
        scheduler = luigid.start(Path(scratch) / "luigid", processes.free_port(), config=config)
        try:
            for task in reversed(graph):  # as a worker tells them: what a task needs first
                scheduler.api(
                    "add_task",
                    worker="make-images",
                    task_id=task.task_id,
                    status=states[task],
                    runnable=True,
                    deps=[dep.task_id for dep in luigi.task.flatten(task.requires())],
                    priority=task.priority,
                    family=task.task_family,
                    params=task.to_str_params(),
                )
            report = graph[0].task_id
            if len(scheduler.api("dep_graph", task_id=report)) != len(graph):
                raise RuntimeError("luigid does not hold chapter 6's whole graph")
            page = f"{scheduler.url}static/visualiser/index.html#tab=graph&taskId={report}"
            return settled_screenshot(page, Path(scratch) / "graph.png", size)
        finally:
            scheduler.stop()


def settled_screenshot(page, path, size, attempts=4):
    """A screenshot of the page once its drawing has settled: two in a row with
    the same pixels. The visualiser shifts each row of the graph by a random
    amount (Math.random, in luigi's graph.js): V8's random numbers are seeded."""
    shots = []
    for _ in range(attempts):
        browser.screenshot(page, path, size, 2000, "--js-flags=--random-seed=6")
        shots.append(path.read_bytes())
        if len(shots) > 1 and same_pixels(shots[-2], shots[-1]):
            return shots[-1]
    raise RuntimeError(f"the visualiser's page did not hold still in {attempts} screenshots")


# Writing them -------------------------------------------------------------------------


def pixels(picture):
    """A PNG (bytes or a path) decoded: its size and RGBA pixels."""
    with Image.open(io.BytesIO(picture) if isinstance(picture, bytes) else picture) as image:
        return image.size, image.convert("RGBA").tobytes()


def same_pixels(picture, other):
    return pixels(picture) == pixels(other)


def keep_or_write(path, picture):
    """Write the PNG picture to path unless the file there has the same pixels. Returns what happened."""
    path = Path(path)
    if path.exists() and same_pixels(picture, path):
        return "unchanged"
    path.write_bytes(picture)
    return "redrawn"


DRAWINGS = {"luigi8": draw_banner, "confused": draw_timeline, "graph": screenshot_graph}


def main(argv):
    names = argv or list(DRAWINGS)
    for name in names:
        if name not in DRAWINGS:
            raise SystemExit(f"error: no picture {name!r}; the pictures are {', '.join(DRAWINGS)}")
    if "graph" in names and browser.find() is None:
        raise SystemExit(f"error: images/graph.png is a screenshot taken with Chromium: {browser.INSTALL}")
    for name in names:
        path = IMAGES / f"{name}.png"
        print(f"{path.relative_to(ROOT)}: {keep_or_write(path, DRAWINGS[name]())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
