"""What every `qbot` command shares: the `--config`/`--data-dir` arguments and the settings they
lead to. The commands import this module, never each other, so none imports its caller."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from qbot.config import Config, load_config

CONFIG_HELP = "config file (default: $QBOT_CONFIG, else ./config.yaml if present)"


def config_arguments(parser: argparse.ArgumentParser, *, data_dir: bool = True, config_help: str = CONFIG_HELP) -> None:
    """`--config`, and `--data-dir` for the commands that read or write the data folder."""
    parser.add_argument("--config", type=Path, default=None, help=config_help)
    if data_dir:
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="folder of the log and the evidence store (default: data_dir of the config, ./data)")
    else:
        parser.set_defaults(data_dir=None)


def load_settings(args: argparse.Namespace, **overrides: object) -> Config:
    """The config for a command: --config (or $QBOT_CONFIG, or ./config.yaml), QBOT_* variables,
    then the command's flags."""
    path = args.config or (Path(os.environ["QBOT_CONFIG"]) if os.environ.get("QBOT_CONFIG") else None)
    if path is None and Path("config.yaml").is_file():
        path = Path("config.yaml")
    overrides["data_dir"] = str(args.data_dir) if args.data_dir else None
    return load_config(path, overrides=overrides)
