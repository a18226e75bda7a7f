# Packages for Windows, Linux and macOS, included at the end of the Makefile.
# packaging/README.md says what each contains and how users install it.
#
#   package-windows       dist/exactkeeper-windows-amd64.zip (cross-built with mingw-w64)
#                         and the installer dist/exactkeeper-windows-amd64-setup.exe (NSIS)
#   package-windows-installer-check  the installer script and signing, without the Windows build
#   package-linux         dist/exactkeeper-linux-$(GOARCH).tar.xz with install.sh
#   package-darwin        dist/Exact Keeper.app and a zip of it; on a Mac only
#   package-darwin-check  what Linux can check of the Mac build
#   package-ci            package-ci-linux, then smoke-windows
#   package-ci-linux      the Linux package smoke-started, the installer script
#                         and the darwin build checked (no Windows build)
#   smoke-windows         the Windows packages built, then the whole flow under
#                         wine (zip smoke, then smoke-windows-installer); CI's
#                         own step, each script bounded by SMOKE_WINDOWS_TIMEOUT
#
# Intermediate files go to dist/_build (the leading _ keeps `go ... ./...`
# out of it). The Go build cache is left alone: a cold Windows cgo build
# takes minutes, a cached one seconds.

PKG_BUILD     := dist/_build
PKG_ARCH      = $(shell $(GO) env GOARCH)
# Numbers for Windows and macOS, from VERSION (FyneApp.toml's Version unless
# overridden) and FyneApp.toml's Build; never 0.0.0.0 for an untagged tree.
PKG_NUMVER    := $(shell $(GO) run ./packaging/pkgtool numver '$(VERSION)')
PKG_WINVER    := $(PKG_NUMVER).$(shell $(GO) run ./packaging/pkgtool meta build)
PKG_APPNAME   := $(shell $(GO) run ./packaging/pkgtool meta name)
GO_WINRES     ?= github.com/tc-hib/go-winres@v0.3.3
WIN_CC        ?= x86_64-w64-mingw32-gcc
MAC_APP       := dist/$(PKG_APPNAME).app
# Each wine smoke script gets this long (timeout(1)); a hung wine must fail
# the step, not hold CI until its global limit.
SMOKE_WINDOWS_TIMEOUT ?= 15m

.PHONY: package-deps package-windows package-windows-installer-check package-windows-installer-build smoke-windows smoke-windows-installer package-ci-linux package-linux package-darwin package-darwin-check package-ci package-clean

package-deps:
	@scripts/deps.sh package

# The icon, version information and manifest reach the exe as a .syso next
# to main.go; a copy of the main package in the build folder takes it, so
# nothing generated lands in cmd/.
package-windows: package-deps
	rm -rf $(PKG_BUILD)/windows
	mkdir -p $(PKG_BUILD)/windows/exactkeeper $(PKG_BUILD)/windows/exactkeeper-dashboard $(PKG_BUILD)/windows/zip
	for p in exactkeeper exactkeeper-dashboard; do \
		find cmd/$$p -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} $(PKG_BUILD)/windows/$$p/ \; ; done
	$(GO) run $(GO_WINRES) make --in packaging/windows/winres.json --arch amd64 \
		--out $(PKG_BUILD)/windows/exactkeeper/rsrc \
		--file-version '$(PKG_WINVER)' --product-version '$(PKG_NUMVER) ($(VERSION))'
	cp $(PKG_BUILD)/windows/exactkeeper/rsrc*.syso $(PKG_BUILD)/windows/exactkeeper-dashboard/
	# The keeper links no Fyne, so it needs no C compiler; the window does.
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS) -s -w -H windowsgui" \
		-o $(PKG_BUILD)/windows/zip/exactkeeper.exe ./$(PKG_BUILD)/windows/exactkeeper
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(WIN_CC) $(GO) build -ldflags "$(LDFLAGS) -s -w -H windowsgui" \
		-o $(PKG_BUILD)/windows/zip/exactkeeper-dashboard.exe ./$(PKG_BUILD)/windows/exactkeeper-dashboard
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS) -s -w" \
		-o $(PKG_BUILD)/windows/zip/exactkeeperctl.exe ./cmd/exactkeeperctl
	cp assets/icons/app.png $(PKG_BUILD)/windows/zip/exactkeeper.png
	sed 's/$$/\r/' packaging/windows/README.txt > $(PKG_BUILD)/windows/zip/README.txt
	packaging/windows/sign.sh $(PKG_BUILD)/windows/zip/*.exe
	rm -f dist/exactkeeper-windows-amd64.zip
	cd $(PKG_BUILD)/windows/zip && zip -q -X ../../../exactkeeper-windows-amd64.zip exactkeeper.exe exactkeeper-dashboard.exe exactkeeperctl.exe exactkeeper.png README.txt
	$(call PKG_MAKENSIS,$(PKG_BUILD)/windows/zip,$(WIN_SETUP))
	@echo "package-windows: dist/exactkeeper-windows-amd64.zip and $(WIN_SETUP)"

# The installer (packaging/windows/installer.nsi), from the files in $(1),
# written to $(2); every name and version comes from FyneApp.toml and
# core/platform through pkgtool. sign.sh signs it and its uninstaller when
# SIGN_PFX is set.
WIN_SETUP := dist/exactkeeper-windows-amd64-setup.exe
define PKG_MAKENSIS
	$(GO) run ./packaging/pkgtool ico -out $(PKG_BUILD)/windows/app.ico
	makensis -V2 -WX -NOCD -DNAME='$(PKG_APPNAME)' -DVERSION='$(VERSION)' -DWINVER='$(PKG_WINVER)' \
		-DAUMID="$$($(GO) run ./packaging/pkgtool meta aumid)" -DURLSCHEME="$$($(GO) run ./packaging/pkgtool meta urlscheme)" \
		-DRUNVALUE="$$($(GO) run ./packaging/pkgtool meta runvalue)" -DWEBSITE="$$($(GO) run ./packaging/pkgtool meta website)" \
		-DSRC='$(1)' -DICON=$(PKG_BUILD)/windows/app.ico -DOUTFILE='$(2)' -DSIGNCMD=packaging/windows/sign.sh \
		packaging/windows/installer.nsi
endef

# What Linux can check of the installer without the (slow) Windows build:
# the script compiles with placeholder programs into a PE with the version
# information, and the signing step signs it with a throwaway certificate
# that osslsigncode then verifies.
package-windows-installer-check: package-deps
	rm -rf $(PKG_BUILD)/installer-check
	mkdir -p $(PKG_BUILD)/installer-check/src $(PKG_BUILD)/windows
	for f in exactkeeper.exe exactkeeper-dashboard.exe exactkeeperctl.exe exactkeeper.png README.txt; do \
		echo placeholder > $(PKG_BUILD)/installer-check/src/$$f; done
	packaging/windows/sign-check.sh $(PKG_BUILD)/installer-check
	SIGN_PFX=$(PKG_BUILD)/installer-check/test.pfx SIGN_PASS_FILE=$(PKG_BUILD)/installer-check/pass SIGN_TIMESTAMP_URL= \
		$(MAKE) --no-print-directory package-windows-installer-build
	osslsigncode verify -CAfile $(PKG_BUILD)/installer-check/test.crt -in $(PKG_BUILD)/installer-check/setup-check.exe >/dev/null
	strings -el $(PKG_BUILD)/installer-check/setup-check.exe | grep -qxF '$(VERSION)'
	@echo "package-windows-installer-check: the installer builds, carries version $(VERSION) and verifies once signed"

INSTALLER_SRC ?= $(PKG_BUILD)/installer-check/src
INSTALLER_OUT ?= $(PKG_BUILD)/installer-check/setup-check.exe
package-windows-installer-build:
	$(call PKG_MAKENSIS,$(INSTALLER_SRC),$(INSTALLER_OUT))

# -s -w drop the symbol table and DWARF (about 40 % of the size); panics keep
# their stack traces. Only the link differs from `make app`, so the compiled
# packages come from the build cache.
PKG_LINUX = $(PKG_BUILD)/linux/exactkeeper-linux-$(PKG_ARCH)
package-linux: package-deps deps
	rm -rf $(PKG_BUILD)/linux
	mkdir -p $(PKG_LINUX)
	$(GO) build -ldflags "$(LDFLAGS) -s -w" -o $(PKG_LINUX)/exactkeeper ./cmd/exactkeeper
	$(GO) build -ldflags "$(LDFLAGS) -s -w" -o $(PKG_LINUX)/exactkeeper-dashboard ./cmd/exactkeeper-dashboard
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS) -s -w" -o $(PKG_LINUX)/exactkeeperctl ./cmd/exactkeeperctl
	cp assets/icons/app.png $(PKG_LINUX)/exactkeeper.png
	cp packaging/linux/exactkeeper.desktop packaging/linux/install.sh packaging/linux/uninstall.sh $(PKG_LINUX)/
	cp packaging/README.md $(PKG_LINUX)/README.md
	desktop-file-validate $(PKG_LINUX)/exactkeeper.desktop
	XZ_OPT=-T0 tar -C $(PKG_BUILD)/linux --owner=0 --group=0 -cJf dist/exactkeeper-linux-$(PKG_ARCH).tar.xz exactkeeper-linux-$(PKG_ARCH)
	@echo "package-linux: dist/exactkeeper-linux-$(PKG_ARCH).tar.xz"

# The app needs cgo against Apple's SDK, so only a Mac builds it. Ad-hoc
# signing (--sign -) satisfies Apple silicon, not Gatekeeper: see README.
package-darwin:
ifeq ($(shell uname -s),Darwin)
	rm -rf "$(MAC_APP)"
	$(GO) run ./packaging/pkgtool macapp -version '$(VERSION)' -out "$(MAC_APP)"
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o "$(MAC_APP)/Contents/MacOS/exactkeeper" ./cmd/exactkeeper
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o "$(MAC_APP)/Contents/MacOS/exactkeeper-dashboard" ./cmd/exactkeeper-dashboard
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o "$(MAC_APP)/Contents/MacOS/exactkeeperctl" ./cmd/exactkeeperctl
	codesign --force --sign - "$(MAC_APP)/Contents/MacOS/exactkeeperctl"
	codesign --force --sign - "$(MAC_APP)/Contents/MacOS/exactkeeper-dashboard"
	codesign --force --sign - "$(MAC_APP)"
	codesign --verify --strict "$(MAC_APP)"
	plutil -lint "$(MAC_APP)/Contents/Info.plist"
	rm -f dist/exactkeeper-darwin-$(PKG_ARCH).zip
	ditto -c -k --keepParent "$(MAC_APP)" dist/exactkeeper-darwin-$(PKG_ARCH).zip
	@echo "package-darwin: $(MAC_APP) and dist/exactkeeper-darwin-$(PKG_ARCH).zip"
else
	@echo "package-darwin: the macOS app can only be built on a Mac (it needs cgo with Apple's SDK and codesign); run 'make package-darwin' there, or 'make package-darwin-check' here to check what Linux can." >&2
	@exit 1
endif

# Fyne 2.7 (internal/widget) and fyne.io/systray need cgo on darwin, which
# Linux cannot provide, so the cgo-free type-check covers every package
# that does not import them (core, cli, exactkeeperctl, packaging) and names
# the others.
package-darwin-check:
	@set -e; pkgs=$$(CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) list -e -tags ci -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep -v ' fyne\.io/' | cut -d' ' -f1); \
	 echo "package-darwin-check: type-checking for darwin/arm64 without cgo:" $$pkgs | sed 's|github.com/exactkeeper/exactkeeper/||g'; \
	 CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) build -tags ci $$pkgs; \
	 echo "package-darwin-check: left to a Mac (Fyne and systray need cgo there):" $$(CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) list -e -tags ci -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep ' fyne\.io/' | cut -d' ' -f1 | sed 's|github.com/exactkeeper/exactkeeper/||')
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) vet ./core/platform
	$(GO) test -timeout 2m -count=1 ./packaging/pkgtool ./core/platform

package-ci: package-ci-linux smoke-windows

package-ci-linux: package-windows-installer-check package-linux package-darwin-check
	scripts/with-session.sh packaging/smoke-linux.sh dist/exactkeeper-linux-$(PKG_ARCH).tar.xz

# The Windows flow under wine. The registry half of start-at-login runs
# there too, as a test binary.
smoke-windows: package-windows
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) test -c -o $(PKG_BUILD)/windows/platform.test.exe ./core/platform
	timeout $(SMOKE_WINDOWS_TIMEOUT) scripts/with-session.sh packaging/smoke-windows.sh dist/exactkeeper-windows-amd64.zip $(PKG_BUILD)/windows/platform.test.exe
	$(MAKE) --no-print-directory smoke-windows-installer

# The installer under wine: silent install, the installed keeper against the
# simulator (connect, token, status, refresh), uninstall, reinstall,
# uninstall with /REMOVESECRETS. About 2.5 minutes; needs package-windows.
smoke-windows-installer:
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) test -c -o $(PKG_BUILD)/windows/netproxy.test.exe ./core/netproxy
	timeout $(SMOKE_WINDOWS_TIMEOUT) scripts/with-session.sh packaging/smoke-windows-installer.sh $(WIN_SETUP) $(PKG_BUILD)/windows/netproxy.test.exe

package-clean:
	rm -rf $(PKG_BUILD) dist/exactkeeper-*.zip dist/exactkeeper-*.tar.xz "$(MAC_APP)"
