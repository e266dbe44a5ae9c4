# SPDX-License-Identifier: GPL-2.0-or-later
# Thin wrapper over meson/ninja, as in QEMU.
BUILD ?= build
ASAN_BUILD ?= build-asan
NINJA ?= ninja
MESON ?= meson

.PHONY: all deps check check-unit check-qtest check-asan demo bench install clean distclean

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

deps:
	@scripts/install-deps.sh

check: deps
	$(MAKE) all
	scripts/run-tests.sh $(BUILD)

check-unit: all
	scripts/run-tests.sh $(BUILD) unit

check-qtest: all
	scripts/run-tests.sh $(BUILD) qtest

# The unit tests again under ASan + UBSan.
check-asan: deps
	@[ -f $(ASAN_BUILD)/build.ninja ] || ./configure --builddir=$(ASAN_BUILD) --enable-sanitizers
	$(NINJA) -C $(ASAN_BUILD)
	scripts/run-tests.sh $(ASAN_BUILD) unit

demo: deps
	$(MAKE) all
	scripts/demo.sh $(BUILD)

bench: all
	scripts/bench.sh $(BUILD) $(if $(FULL),--full,)

install: all
	$(MESON) install -C $(BUILD)

clean:
	@[ ! -f $(BUILD)/build.ninja ] || $(NINJA) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) $(ASAN_BUILD)
