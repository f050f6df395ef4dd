import { notebookTests } from "./harness";

notebookTests("06-patch-claims");
