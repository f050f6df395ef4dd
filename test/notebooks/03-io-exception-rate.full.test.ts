import { notebookTests } from "./harness";

notebookTests("03-io-exception-rate");
