// Placeholder: the drcsim runner is built under issue 6.
return 0;
