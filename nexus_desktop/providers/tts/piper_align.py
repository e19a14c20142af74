"""A Piper voice patched for phoneme alignments, without the ``onnx`` package.

Piper's ``patch_voice_with_alignment`` marks the model's one ``Ceil`` tensor (the
audio samples of each phoneme) as a graph output, through ``onnx``. The same edit
is made here on the protobuf wire format itself: the ONNX file is a ``ModelProto``
whose field 7 is the ``GraphProto``; in it, field 1 holds the nodes (``NodeProto``:
field 2 its outputs, field 4 its operator) and field 12 the outputs
(``ValueInfoProto``: field 1 its name). Appending one field-12 entry naming the
tensor is what ``add_alignment_output`` does (https://onnx.ai/onnx/repo-docs/IR.html,
onnx/onnx.proto). The installed app ships its voice already patched
(packaging/nexus-desktop.spec) and leaves ``onnx`` (9 MB with ml_dtypes) out;
voices a creator adds are patched here, the same way from source and installed.
"""

from __future__ import annotations

MODEL_GRAPH, GRAPH_NODE, GRAPH_OUTPUT = 7, 1, 12
NODE_OUTPUT, NODE_OP_TYPE, VALUE_INFO_NAME = 2, 4, 1
_LENGTH_DELIMITED = 2


class NotPatchable(ValueError):
    """No single Ceil tensor to expose (not a Piper VITS voice), or not an ONNX file."""


def _varint(data, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise NotPatchable("the file ends inside a number: not an ONNX model")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _fields(data, start: int = 0, end: int | None = None):
    """(field number, wire type, value start, value end) of each field in data[start:end]."""
    at, end = start, len(data) if end is None else end
    while at < end:
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, after = _varint(data, at)
        elif wire == 1:
            after = at + 8
        elif wire == _LENGTH_DELIMITED:
            length, at = _varint(data, at)
            after = at + length
        elif wire == 5:
            after = at + 4
        else:
            raise NotPatchable(f"unexpected protobuf wire type {wire}: not an ONNX model")
        if after > end:
            raise NotPatchable("a field runs past its message: not an ONNX model")
        yield number, wire, at, after
        at = after


def _strings(data, start: int, end: int, number: int) -> list[str]:
    return [bytes(data[a:b]).decode("utf-8") for n, w, a, b in _fields(data, start, end)
            if n == number and w == _LENGTH_DELIMITED]  # fmt: skip


def _graph(data) -> tuple[int, int, int]:
    """(field start, value start, value end) of the model's graph."""
    at = 0
    for number, wire, start, end in _fields(data):
        if number == MODEL_GRAPH and wire == _LENGTH_DELIMITED:
            return at, start, end
        at = end
    raise NotPatchable("no graph in the file: not an ONNX model")


def alignment_tensor(data) -> tuple[str, bool]:
    """The Ceil tensor's name and whether the graph already outputs it."""
    _, start, end = _graph(data)
    ceils: set[str] = set()
    outputs: list[str] = []
    for number, wire, a, b in _fields(data, start, end):
        if number == GRAPH_NODE and wire == _LENGTH_DELIMITED and "Ceil" in _strings(data, a, b, NODE_OP_TYPE):
            ceils.update(_strings(data, a, b, NODE_OUTPUT))
        elif number == GRAPH_OUTPUT and wire == _LENGTH_DELIMITED:
            outputs += _strings(data, a, b, VALUE_INFO_NAME)
    if len(ceils) != 1:
        raise NotPatchable(f"{len(ceils)} Ceil tensors in the graph, not one: not a Piper voice Piper can align")
    name = ceils.pop()
    return name, name in outputs


def with_alignment_output(data: bytes) -> bytes | None:
    """The model with its Ceil tensor as a further graph output; None when it already is one."""
    name, exposed = alignment_tensor(data)
    if exposed:
        return None
    encoded = name.encode("utf-8")
    value_info = bytes([VALUE_INFO_NAME << 3 | _LENGTH_DELIMITED]) + _encode_varint(len(encoded)) + encoded
    output = bytes([GRAPH_OUTPUT << 3 | _LENGTH_DELIMITED]) + _encode_varint(len(value_info)) + value_info
    field_start, start, end = _graph(data)
    graph = bytes([MODEL_GRAPH << 3 | _LENGTH_DELIMITED]) + _encode_varint(end - start + len(output))
    return b"".join((data[:field_start], graph, data[start:end], output, data[end:]))
