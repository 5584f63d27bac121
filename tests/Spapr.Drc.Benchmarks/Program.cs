// Placeholder: the benchmarks are built under issue 8.
return 0;
