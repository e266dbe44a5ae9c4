# SPDX-License-Identifier: GPL-2.0-or-later
"""zcmig's QAPI schema compiler (see docs/devel/qapi.rst)."""
