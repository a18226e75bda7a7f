package keeper

// Windows has no zoneinfo of its own, and the keep-alive plan needs
// Europe/Amsterdam. Linux and macOS have it, so only Windows programs carry
// the 450 kB database: on Linux it made every program's binary, and so its
// start and resident memory, larger.
import _ "time/tzdata"
