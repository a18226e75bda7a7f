/*
 * bcryptprimitives.dll shim for running Go 1.26 Windows binaries under
 * wine 8, which lacks ProcessPrng. Test-only: it is copied into a wine
 * prefix's system32 by packaging/smoke-windows.sh and never shipped.
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which wine does implement; both always succeed on
 * real Windows, so a failure here is reported and the caller aborts.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	/* RtlGenRandom takes a ULONG: feed large requests in pieces. */
	while (size > 0) {
		ULONG n = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}
