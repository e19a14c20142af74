#!/bin/sh
# Installs Nexus Desktop for the current user, from the unpacked bundle this
# script sits in: the app into ~/.local/share/io.github.nexusdesktop.NexusDesktop/,
# its menu entry, metadata and icons into ~/.local/share, and a `nexus-desktop`
# link into ~/.local/bin, and a systemd user unit (not enabled) that runs
# `nexus-desktop --daemon` so posts go out with no window open. No root needed.
# XDG_DATA_HOME, XDG_BIN_HOME and XDG_CONFIG_HOME move the targets. `install.sh --uninstall` removes all of it (never your data:
# that lives in ~/.local/share/nexus-desktop/).
set -eu

APP_ID=io.github.nexusdesktop.NexusDesktop
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=${XDG_BIN_HOME:-$HOME/.local/bin}
app=$data/$APP_ID
sizes="16 24 32 48 64 128 256 512"
units=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user
unit=nexus-desktop-daemon.service

systemctl_user() {
    if command -v systemctl >/dev/null 2>&1; then systemctl --user "$@" >/dev/null 2>&1 || true; fi
}

refresh() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
    fi
    # Some menus (KDE) only notice a new entry when the folder's time changes.
    touch "$data/applications" "$data/icons/hicolor" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
    if [ -f "$units/$unit" ]; then
        systemctl_user disable --now "$unit"
        rm -f "$units/$unit"
        systemctl_user daemon-reload
    fi
    rm -rf "$app"
    rm -f "$data/applications/$APP_ID.desktop" "$data/metainfo/$APP_ID.metainfo.xml"
    rm -f "$data/icons/hicolor/scalable/apps/$APP_ID.svg"
    for size in $sizes; do rm -f "$data/icons/hicolor/${size}x$size/apps/$APP_ID.png"; done
    if [ -L "$bin/nexus-desktop" ]; then rm -f "$bin/nexus-desktop"; fi
    refresh
    echo "Nexus Desktop is uninstalled. Your data is still in $data/nexus-desktop/."
    exit 0
fi

if [ ! -x "$here/nexus-desktop" ] || [ ! -d "$here/share/applications" ]; then
    echo "install.sh: run me from the unpacked nexus-desktop folder (nexus-desktop/install.sh)" >&2
    exit 1
fi

if [ "$here" != "$app" ]; then
    # Copy beside the old version, then swap, so a failed copy leaves it working.
    rm -rf "$app.new"
    mkdir -p "$data"
    cp -R "$here" "$app.new"
    rm -rf "$app"
    mv "$app.new" "$app"
fi

mkdir -p "$data/applications" "$data/metainfo" "$data/icons/hicolor/scalable/apps" "$bin"
# Exec and TryExec point at the installed binary: ~/.local/bin is often not on the menu's PATH.
sed -e "s|^Exec=.*|Exec=\"$app/nexus-desktop\"|" -e "s|^TryExec=.*|TryExec=$app/nexus-desktop|" \
    "$app/share/applications/$APP_ID.desktop" > "$data/applications/$APP_ID.desktop"
cp "$app/share/metainfo/$APP_ID.metainfo.xml" "$data/metainfo/"
cp "$app/share/icons/hicolor/scalable/apps/$APP_ID.svg" "$data/icons/hicolor/scalable/apps/"
for size in $sizes; do
    mkdir -p "$data/icons/hicolor/${size}x$size/apps"
    cp "$app/share/icons/hicolor/${size}x$size/apps/$APP_ID.png" "$data/icons/hicolor/${size}x$size/apps/"
done
ln -sf "$app/nexus-desktop" "$bin/nexus-desktop"
# The same unit as Settings > General > Run in the background (nexus_desktop/runtime/service.py).
mkdir -p "$units"
cat > "$units/$unit" <<EOF
[Unit]
Description=Nexus Desktop: check feeds, make videos and publish due posts
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart="$app/nexus-desktop" --daemon
TimeoutStopSec=90
Restart=on-failure
RestartSec=30
Nice=10

[Install]
WantedBy=default.target
EOF
systemctl_user daemon-reload
refresh

echo "Nexus Desktop is installed in $app."
echo "Open it from your applications menu, or run: $bin/nexus-desktop"
echo "To publish with no window open: systemctl --user enable --now $unit"
