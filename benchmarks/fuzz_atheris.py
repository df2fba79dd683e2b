"""Coverage-guided fuzzing of the parser with atheris (run by hand, not in CI).

    pip install atheris
    python benchmarks/fuzz_atheris.py -dict=benchmarks/fuzz_formula.dict -max_total_time=60 [corpus_dir]

The C++ core is not coverage-instrumented by the normal build, so without a
build made with clang and -fsanitize=fuzzer-no-link this is a fast random
mutator; the dictionary gives it the tokens of the language.

Every input must give statements or FormulaErrors, and every statement must
print and parse back to itself.
"""

import sys

import atheris

with atheris.instrument_imports():
    from deltaform import FormulaError, parse, parse_many
    from deltaform.ast import to_text


def one_input(data: bytes) -> None:
    result = parse_many(data)
    for located in result:
        text = to_text(located.statement)
        assert parse(text) == located.statement, (data, text)
    for error in result.errors:
        assert isinstance(error, FormulaError)
        assert 1 <= error.column <= len(error.source_line) + 1, (data, error)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
