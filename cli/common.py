"""Shared CLI pieces: the error console, clean failure, and typed option aliases.

Options over a closed set of values (domains, backends, label modes, dtypes, training
modes) are typed as ``Literal`` choices: ``--help`` lists the values, the shell completes
them, and an unknown value exits with 2 and the valid list before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal, Optional

import typer
from rich.console import Console

from scpo_data.config import BackendName, Dtype, EngineName, EngineOptions, Labels, TrainMode
from scpo_data.domains import DOMAINS
from scpo_data.errors import ScpoError, interrupt_exit

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line red error on stderr and return the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn :class:`ScpoError` into a one-line message and its exit code; Ctrl-C into exit
    130 and SIGTERM into exit 143."""
    try:
        yield
    except ScpoError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt as exc:
        raise fail(*interrupt_exit(exc)) from None


ModelOpt = Annotated[
    str,
    typer.Option("--model", help="'embedded' (SmolLM2-135M-Instruct, offline), a model folder, or a Hub id."),
]
DomainModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="'embedded' (SmolLM2-135M-Instruct, offline), 'embedded-arith' (it, warmed "
                 "up on arithmetic; built once), a model folder, or a Hub id.",
                 show_default="the domain's: embedded-arith for arith, else embedded"),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Master random seed.")]
QuestionFieldOpt = Annotated[
    Optional[str], typer.Option("--question-field", help="Column with the question.")
]
AnswerFieldOpt = Annotated[
    Optional[str], typer.Option("--answer-field", help="Column with the gold answer.")
]
BatchSizeOpt = Annotated[
    int, typer.Option("--batch-size", min=1, help="Sequences generated together (hf).")
]
DtypeOpt = Annotated[
    Dtype,
    typer.Option("--dtype",
                 help="Model dtype (hf, vllm); auto: bf16 where the hardware runs it natively."),
]
BaseUrlOpt = Annotated[
    Optional[str], typer.Option("--base-url", help="openai: API root, e.g. http://localhost:8000/v1.")
]
ApiKeyEnvOpt = Annotated[
    str, typer.Option("--api-key-env", help="openai: environment variable holding the API key.")
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, help="openai: requests in flight at once.")
]
ShardOpt = Annotated[
    Optional[str], typer.Option("--shard", help="I/N: process only shard I (0-based) of N, for a Slurm "
                                "array or several machines; join the folders with scpo-data merge.")
]
EngineOpt = Annotated[
    EngineName,
    typer.Option("--engine", help="Where samples are generated: local (this process) or ray (--replicas copies "
                 "of the backend on a Ray cluster; pip install 'scpo-data\\[ray]'). Same samples either way."),
]
RayAddressOpt = Annotated[
    Optional[str],
    typer.Option("--ray-address", help="ray: the cluster to join: auto (the one running here), HOST:6379 or "
                 "ray://HOST:10001 (default: start a local cluster for the run).", show_default=False),
]
ReplicasOpt = Annotated[
    int, typer.Option("--replicas", min=1, help="ray: copies of the backend (actors), each loading the model once.")
]
GpusPerReplicaOpt = Annotated[
    float, typer.Option("--gpus-per-replica", min=0.0, help="ray: GPUs per replica (vllm: its tensor-parallel size).")
]
CpusPerReplicaOpt = Annotated[
    float, typer.Option("--cpus-per-replica", min=0.01, help="ray: CPUs per replica (fractions allowed).")
]


def engine_options(engine: str, ray_address: str | None, replicas: int, gpus_per_replica: float,
                   cpus_per_replica: float) -> EngineOptions:
    """The engine options of a command.

    Raises:
        ScpoError: When Ray settings are given without ``--engine ray``.
    """
    options = EngineOptions(engine, ray_address, replicas, gpus_per_replica, cpus_per_replica)  # type: ignore[arg-type]
    if engine != "ray" and options != EngineOptions(engine):  # type: ignore[arg-type]
        raise ScpoError("--ray-address, --replicas, --gpus-per-replica and --cpus-per-replica need --engine ray")
    return options


#: The registered domains' names, as a choice type.
DomainName = Literal[tuple(DOMAINS)]  # type: ignore[valid-type]
#: The known backends, as a choice type.
Backend = BackendName

LabelsOpt = Annotated[
    Labels,
    typer.Option("--labels",
                 help="Pair labels: none (vote, ScPO), gold (correct vs incorrect, IRPO, w=1) or "
                 "mixed (gold where the problem has one, vote elsewhere)."),
]
TrainModeOpt = Annotated[
    Optional[TrainMode], typer.Option("--mode", help="Loss preset.", show_default="scpo")
]


def domain_defaults(attribute: str) -> str:
    """The domains' defaults of one setting, for help texts (``8 gsm8k, 16 zebra, ...``)."""
    return ", ".join(f"{getattr(d, attribute)} {d.name}" for d in DOMAINS.values())
