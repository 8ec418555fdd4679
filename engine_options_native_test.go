//go:build !js

package wsbeat

import "testing"

func TestDefaultTransportIsNative(t *testing.T) {
	o, err := (*Options)(nil).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.Transport.(*NativeTransport); !ok {
		t.Fatalf("default transport is %T, want *NativeTransport", o.Transport)
	}
}
