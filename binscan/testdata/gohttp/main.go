package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	if err := http.ListenAndServe("127.0.0.1:0", nil); err != nil {
		fmt.Println(err)
	}
}
