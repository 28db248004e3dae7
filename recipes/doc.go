// Package recipes owns plinth's recipe format: the TOML schema (format = 1),
// its strict decoding, defaults, validation and `extends`, plus the built-in
// recipes and the Debian and Ubuntu archive keyrings, embedded in the binary.
//
// A recipe says which distribution and suites to read, which packages to
// install, how to configure and prune the root filesystem and what the image
// config holds:
//
//	r, err := recipes.Load("bookworm")      // a built-in name
//	r, err := recipes.Load("./my-app.toml") // a file, possibly extending a built-in
//
// Load returns a recipe with defaults applied and validated; Parse only decodes.
package recipes
