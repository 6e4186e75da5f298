/**
 * A column or field name a person can read, for when nothing better is known (no label in the mapping,
 * none from the CRM).
 */

/** "emp_var_rate" -> "Emp var rate", "Emp_Var_Rate__c" -> "Emp var rate", "NumberOfEmployees" -> "Number of employees". */
export function humaniseColumn(column: string): string {
  const words = column
    .replace(/__c$/i, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
  if (words.length === 0) return column;
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
