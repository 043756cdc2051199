package p2p

// ReadFrameForTest exposes the frame reader of the descriptor protocol to
// the fuzz tests of the external test package.
var ReadFrameForTest = readFrame
