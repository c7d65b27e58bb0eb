"""Dead letters of the topics a service consumes: listed from Kafka, replayed once."""
