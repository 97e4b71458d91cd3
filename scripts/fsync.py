# SPDX-License-Identifier: GPL-2.0
"""fsync a file or a directory: a capture counts as done once on disk."""
import os


def fsync_path(path, directory=False):
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
