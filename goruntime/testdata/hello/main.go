// hello is the smallest Go program: what every Go binary links.
package main

func main() { println("hello") }
