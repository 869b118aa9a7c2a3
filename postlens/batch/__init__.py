"""Batch work on Apache Spark: analyse pictures listed in a manifest, fit ALS on
interactions on Spark, and load the results into the serving store. The same
library runs inside the executors; ``local[*]`` on one machine, a cluster by its master URL."""
