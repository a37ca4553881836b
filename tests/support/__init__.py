"""Test support shared by the test folders and the benchmarks: loopback servers and generated
package indexes. Not part of the product."""
