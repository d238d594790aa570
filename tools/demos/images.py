"""`make images`: draw every picture in images/, from code and data in this repo.

- luigi8.png: the workshop's banner, 8-bit style: a small task graph in the
  colours of luigi's visualiser (pending, running, done) and the title, in a
  pixel font defined below.
- confused.png: how crowded the field of workflow tools is, a timeline of
  first releases drawn from images/workflow-tools.csv.
- graph.png: a real screenshot of luigi's visualiser: a luigid on a free
  port, chapter 6's graph running on it, headless Chromium at a fixed window
  size; then everything is stopped.

The PNG files are written with the standard library only (zlib), so the
pictures come out the same on every machine.

    python -m tools.images [luigi8 confused graph]
"""

import csv
import random
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from tools import luigid, processes
from tools.chapters import find
from tools.demos import browser
from tools.paths import ROOT, SOLUTIONS

IMAGES = ROOT / "images"

# The visualiser's colours, and a few for the background.
PENDING, RUNNING, DONE = (0xEE, 0xBB, 0x00), (0x00, 0x44, 0xDD), (0x00, 0xDD, 0x00)
NIGHT, WHITE, GREY, LINE = (0x1B, 0x1E, 0x3C), (0xF4, 0xF4, 0xF0), (0x8A, 0x8F, 0xB0), (0xC8, 0xCC, 0xE0)

# A 5x7 pixel font: capitals, digits and a little punctuation.
GLYPHS = {
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "####. #...# #...# #...# #...# #...# ####.",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
    "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####",
    "3": "####. ....# ....# .###. ....# ....# ####.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": ".###. #.... #.... ####. #...# #...# .###.",
    "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.",
    "9": ".###. #...# #...# .#### ....# ....# .###.",
    " ": "..... ..... ..... ..... ..... ..... .....",
    ".": "..... ..... ..... ..... ..... .##.. .##..",
    ",": "..... ..... ..... ..... .##.. ..#.. .#...",
    ":": "..... .##.. .##.. ..... .##.. .##.. .....",
    "-": "..... ..... ..... .###. ..... ..... .....",
    "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
    "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
    "'": "..#.. ..#.. .#... ..... ..... ..... .....",
}
GLYPH_W, GLYPH_H = 5, 7


class Canvas:
    """RGB pixels in a grid of square cells ("pixels" of the 8-bit picture),
    each `cell` real pixels wide."""

    def __init__(self, width, height, cell, background):
        self.width, self.height, self.cell = width, height, cell
        self.rows = [[background] * width for _ in range(height)]

    def dot(self, x, y, color):
        if 0 <= x < self.width and 0 <= y < self.height:
            self.rows[y][x] = color

    def box(self, x, y, w, h, color):
        for row in range(y, y + h):
            for column in range(x, x + w):
                self.dot(column, row, color)

    def line(self, x0, y0, x1, y1, color):
        """A straight line of cells (Bresenham)."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.dot(x0, y0, color)
            if (x0, y0) == (x1, y1):
                return
            doubled = 2 * error
            if doubled >= dy:
                error, x0 = error + dy, x0 + sx
            if doubled <= dx:
                error, y0 = error + dx, y0 + sy

    def text(self, x, y, words, color, scale=1):
        """Write words in the pixel font; returns the x where they end."""
        for char in words.upper():
            for row, bits in enumerate(GLYPHS.get(char, GLYPHS["?"]).split()):
                for column, bit in enumerate(bits):
                    if bit == "#":
                        self.box(x + column * scale, y + row * scale, scale, scale, color)
            x += (GLYPH_W + 1) * scale
        return x

    @staticmethod
    def text_width(words, scale=1):
        return len(words) * (GLYPH_W + 1) * scale - scale

    def save(self, path):
        """Write the canvas as a PNG file, each cell `cell` pixels square."""
        raw = bytearray()
        for row in self.rows:
            line = bytes(channel for color in row for channel in color * self.cell)
            raw += (b"\0" + line) * self.cell  # each PNG row starts with its filter type, 0
        header = struct.pack(">IIBBBBB", self.width * self.cell, self.height * self.cell, 8, 2, 0, 0, 0)

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        Path(path).write_bytes(png + chunk(b"IEND", b""))
        return path


def task(canvas, x, y, color):
    """A task as a pixel-art block: a coloured square with a light corner and a dark edge."""
    dark = tuple(channel // 2 for channel in color)
    canvas.box(x, y, 7, 7, dark)
    canvas.box(x, y, 6, 6, color)
    canvas.box(x + 1, y + 1, 2, 1, WHITE)
    canvas.dot(x + 1, y + 2, WHITE)


def draw_banner(path):
    """The banner: a graph of 8 tasks fanning into 2, then 1, and the title."""
    canvas = Canvas(240, 72, 4, NIGHT)
    stars = random.Random(8)
    for _ in range(70):
        canvas.dot(stars.randrange(240), stars.randrange(72), stars.choice([GREY, LINE, WHITE]))
    leaves = [(8, 6 + 8 * i) for i in range(8)]
    merges, report = [(32, 18), (32, 46)], (54, 32)
    for i, (x, y) in enumerate(leaves):
        mx, my = merges[i // 4]
        canvas.line(x + 6, y + 3, mx, my + 3, LINE)
    for mx, my in merges:
        canvas.line(mx + 6, my + 3, report[0], report[1] + 3, LINE)
    for i, (x, y) in enumerate(leaves):
        task(canvas, x, y, DONE if i < 5 else RUNNING if i < 7 else PENDING)
    for (x, y), color in zip(merges, [RUNNING, PENDING], strict=True):
        task(canvas, x, y, color)
    task(canvas, *report, PENDING)
    for row, words in enumerate(["BATCH DATA", "PROCESSING", "WITH LUIGI"]):
        canvas.text(80 + 1, 7 + row * 18 + 1, words, (0x0A, 0x0C, 0x20), scale=2)  # a drop shadow
        canvas.text(80, 7 + row * 18, words, [WHITE, WHITE, DONE][row], scale=2)
    subtitle = "TASKS - TARGETS - DEPENDENCIES"
    canvas.text(240 - 6 - Canvas.text_width(subtitle), 63, subtitle, GREY)
    return canvas.save(path)


def draw_timeline(path, data=IMAGES / "workflow-tools.csv"):
    """One row per year that saw a new workflow tool: the rows get crowded."""
    with open(data, encoding="utf-8") as lines:
        tools = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    years = sorted({int(tool["year"]) for tool in tools})
    row_height, left, top = 14, 6, 26
    canvas = Canvas(312, top + row_height * (len(years) + 1) + 6, 3, NIGHT)
    canvas.text(left, 6, "SO MANY WORKFLOW TOOLS...", WHITE, scale=2)
    colors = [DONE, PENDING, (0x55, 0x99, 0xFF), (0xFF, 0x77, 0x55)]
    y = top
    for index, year in enumerate(years):
        if index and year - years[index - 1] > 5:  # a long quiet gap, drawn as a dotted line
            for dot in range(left + 12, 300, 6):
                canvas.box(dot, y + 5, 2, 2, GREY)
            gap = f"{year - years[index - 1]} YEARS LATER"
            canvas.box(left + 56, y + 1, Canvas.text_width(gap) + 8, 10, NIGHT)
            canvas.text(left + 60, y + 3, gap, GREY)
            y += row_height
        canvas.text(left, y + 3, str(year), GREY)
        x = left + 30
        for number, tool in enumerate(t for t in tools if int(t["year"]) == year):
            width = Canvas.text_width(tool["name"]) + 6
            color = colors[number % len(colors)]
            canvas.box(x, y, width, 11, tuple(channel // 2 for channel in color))
            canvas.box(x, y, width - 1, 10, color)
            canvas.text(x + 3, y + 2, tool["name"], NIGHT)
            x += width + 4
        y += row_height
    canvas.text(312 - 6 - Canvas.text_width("AND COUNTING?"), y - row_height + 3, "AND COUNTING?", WHITE)
    return canvas.save(path)


def screenshot_graph(path, size=(1100, 560)):
    """A real screenshot of the visualiser, half-way through chapter 6's graph."""
    chapter = find("Visualization")
    with tempfile.TemporaryDirectory(prefix="images-") as scratch:
        scheduler = luigid.start_on_free_port(Path(scratch) / "luigid")
        try:
            folder = chapter.copy(SOLUTIONS, Path(scratch) / chapter.name)
            config = scheduler.client_config(Path(scratch) / "luigi.cfg", "[pace]\nseconds = 1.0\n")
            run = subprocess.Popen(
                chapter.command,
                shell=True,
                cwd=folder,
                env=processes.command_env(Path(scratch) / "tmp", config),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            try:
                # Wait until some tasks are done and some running: the picture has every colour.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    statuses = [t["status"] for t in scheduler.api("task_list", status="", upstream_status="").values()]
                    if statuses.count("DONE") >= 14 and "RUNNING" in statuses:
                        break
                    time.sleep(0.1)
                report = chapter_task_id(scheduler)
                page = f"{scheduler.url}static/visualiser/index.html#tab=graph&taskId={report}"
                browser.screenshot(page, path, size, wait_ms=1500)
            finally:
                run.wait(timeout=120)
        finally:
            scheduler.stop()
    return path


def chapter_task_id(scheduler):
    """The task id of chapter 6's Report, as the scheduler knows it."""
    return next(
        task_id
        for task_id in scheduler.api("task_list", status="", upstream_status="")
        if task_id.startswith("Report_")
    )


DRAWINGS = {"luigi8": draw_banner, "confused": draw_timeline, "graph": screenshot_graph}


def main(argv):
    names = argv or list(DRAWINGS)
    for name in names:
        if name not in DRAWINGS:
            raise SystemExit(f"error: no picture {name!r}; the pictures are {', '.join(DRAWINGS)}")
        if name == "graph" and browser.find() is None:
            raise SystemExit(f"error: images/graph.png is a screenshot taken with Chromium: {browser.INSTALL}")
        path = DRAWINGS[name](IMAGES / f"{name}.png")
        print(f"drew {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
