"""Reading and patching the OOXML package directly, one module per part of the format."""
