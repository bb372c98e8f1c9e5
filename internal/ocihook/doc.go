// Package ocihook reads what an OCI runtime hands a hook: the container's
// state, the recording its annotations ask for, and what the bundle's
// config and the runtime tell about the filter the container will get.
package ocihook
