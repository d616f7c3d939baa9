// @oclif/core measures the terminal once, when it is first imported, by calling getWindowSize() on
// whatever process.stdout and process.stderr are at that moment. A unit test that puts a stand-in
// stream there (to see what a TTY would draw) must not decide whether a later file in the same
// worker can import oclif: a fixed width keeps the measurement off the streams. Unit tests only;
// the e2e suite runs the CLI with the width a user's pipe gets.
process.env.OCLIF_COLUMNS ??= '80';
