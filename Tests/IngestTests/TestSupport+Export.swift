// The helpers every test target shares (SplitMix64, TemporaryFolder, PackageFiles), in every file of this one.
@_exported import TestSupport
