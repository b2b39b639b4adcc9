"""The packaged default model's name, alone in its module: settings and engine options need it at
start-up, and the converter that also names it imports numpy and the tokenizer (about 0.24 s)."""

DEFAULT_MODEL_ID = "omoide/multilingual-e5-small-q4"
