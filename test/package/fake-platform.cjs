// Preloaded by test/package.sh to run the installed package as on another OS (RINGSOCK_FAKE_PLATFORM).
Object.defineProperty(process, 'platform', { value: process.env.RINGSOCK_FAKE_PLATFORM });
