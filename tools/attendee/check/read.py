"""Reading the attendee's main.py, before anything runs: a file that is
missing, empty, not text or not Python is said in plain words, with the line
that Python cannot read shown as it is in the file."""

import stat

from tools.paths import shown as relative


def read(source, chapter):
    """(the text of main.py, the problem in plain words or None, the problem in a word or two)."""
    shown = relative(source)
    reset = f"`make reset CHAPTER={chapter.name}` brings back the exercise (and saves your file beside it)"
    if not source.parent.is_dir():
        return "", chapter.gone, "missing"
    try:
        mode = source.stat().st_mode
    except FileNotFoundError:
        return "", f"{shown} is missing. `make reset CHAPTER={chapter.name}` brings back the exercise.", "missing"
    except OSError as error:
        return "", f"cannot read {shown}: {error.strerror}", "cannot read it"
    if not stat.S_ISREG(mode):  # a folder, or a named pipe that would block whoever opens it
        what = "a folder" if stat.S_ISDIR(mode) else "not a plain file"
        return "", f"{shown} is {what}: rename it, then run make reset CHAPTER={chapter.name}.", "not a file"
    try:
        text = source.read_text(encoding="utf-8-sig")  # a BOM, as some editors write, is fine for Python too
    except UnicodeDecodeError as error:
        return "", f"{shown} is not UTF-8 text (byte {error.start}): save it as UTF-8 in your editor.", "not UTF-8"
    except OSError as error:
        return "", f"cannot read {shown}: {error.strerror}", "cannot read it"
    if not text.strip():
        return text, f"{shown} is empty. {reset}.", "empty"
    try:
        # Named so that Python takes the line from text, not from the file: it would count a BOM in.
        compile(text, f"<{shown}>", "exec", dont_inherit=True)
    except SyntaxError as error:
        return text, syntax_problem(shown, text, error), "syntax error"
    except ValueError as error:  # e.g. a null byte
        return text, f"{shown}: {error}", "cannot read it"
    except (RecursionError, MemoryError):  # an expression nested or chained too deep for the compiler
        return text, f"{shown} holds an expression too long or too deeply nested for Python to compile.", "too deep"
    return text, None, ""


def syntax_problem(shown, text, error):
    """A SyntaxError in plain words, with its line numbered and indented as in
    the file: the indentation may be the mistake. For an unexpected indent,
    Python names the first line that it cannot place, while the mistake is
    often in the code line above it (an answer pasted at the wrong indent);
    for tabs mixed with spaces, the tab may be in the line above: show both."""
    where = f"{shown}:{error.lineno}" if error.lineno else str(shown)
    said = [f"{where}: {error.msg} (a syntax error: Python cannot read the file)"]
    lines = text.split("\n")  # Python's own line ends; splitlines() would also split at \f and \u2028
    if not error.lineno or not 1 <= error.lineno <= len(lines):  # e.g. at the end of the file
        return "\n".join(said + ([f"    {error.text.strip()}"] if (error.text or "").strip() else []))
    tabs = isinstance(error, TabError)

    def numbered(n):  # tabs drawn as 8 columns from the line's start, or as arrows where they are the error
        line = lines[n - 1].rstrip()
        return f"    {n:>3} | {line.replace(chr(9), '→' + chr(9)).expandtabs(4) if tabs else line.expandtabs(8)}"

    above = [n for n in range(error.lineno - 1, 0, -1) if lines[n - 1].strip()[:1] not in ("", "#")][:1]
    if (error.msg == "unexpected indent" or tabs) and above:
        said += [numbered(above[0]), numbered(error.lineno)]
        said.append(
            f"    Line {error.lineno} or line {above[0]} indents with a tab (→) where the other uses spaces:"
            " indent with spaces only."
            if tabs
            else f"    Line {error.lineno} is indented more than line {above[0]}, the code above it: indent what"
            " you wrote like the lines around its TODO."
        )
    else:
        said.append(numbered(error.lineno))
        if error.msg.startswith("expected an indented block"):  # an answer pasted at the left margin
            said.append(
                "    Python expects the lines under it indented: indent what you wrote like the lines around its TODO."
            )
        elif error.offset:
            margin = len(f"    {error.lineno:>3} | ")
            said.append(" " * (margin + len(lines[error.lineno - 1][: error.offset - 1].expandtabs(8))) + "^")
    return "\n".join(said)
