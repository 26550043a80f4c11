package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users and their tokens (admins)"}
	var role, desc string
	add := &cobra.Command{
		Use:   "add NAME --role annotator|curator|reader|admin",
		Short: "Add a user and print their first token",
		Long: `Add a user and print their first token on standard output (and nothing
else, so that it can be redirected to a file). The token is shown only once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := scholia.ParseRole(role)
			if !ok {
				return usagef("--role must be annotator, curator, reader or admin")
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Admin.CreateUser(cmd.Context(), &pb.CreateUserRequest{
					User: &pb.User{Name: args[0], Role: pb.Role(r)}, TokenDescription: desc,
				})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				fmt.Fprintf(a.stderr, "added %s (%s); their token, shown only this once:\n", resp.GetUser().GetName(), r)
				fmt.Fprintln(a.stdout, resp.GetSecret())
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "", "annotator, curator, reader or admin")
	add.Flags().StringVar(&desc, "description", "", "what the first token is for")
	_ = add.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				req := &pb.ListUsersRequest{PageSize: 1000}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				if !a.json() {
					fmt.Fprintln(tw, "NAME\tROLE\tDISABLED")
				}
				for {
					resp, err := c.Admin.ListUsers(cmd.Context(), req)
					if err != nil {
						return err
					}
					for _, u := range resp.GetUsers() {
						if a.json() {
							if err := a.printProto(u); err != nil {
								return err
							}
							continue
						}
						fmt.Fprintf(tw, "%s\t%s\t%v\n", u.GetName(), roleName(u.GetRole()), u.GetDisabled())
					}
					if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
						break
					}
				}
				return tw.Flush()
			})
		},
	}

	var tokDesc string
	token := &cobra.Command{
		Use:   "token [NAME]",
		Short: "Make another token for a user (yourself by default) and print it",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				resp, err := c.Admin.CreateToken(cmd.Context(), &pb.CreateTokenRequest{User: name, Description: tokDesc})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				fmt.Fprintf(a.stderr, "token %d for %s, shown only this once:\n", resp.GetToken().GetId(), resp.GetToken().GetUser())
				fmt.Fprintln(a.stdout, resp.GetSecret())
				return nil
			})
		},
	}
	token.Flags().StringVar(&tokDesc, "description", "", "what the token is for")

	var revokeID int64
	revoke := &cobra.Command{
		Use:   "revoke --token-id ID",
		Short: "Revoke a token; it stops working from the next call on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Admin.RevokeToken(cmd.Context(), &pb.RevokeTokenRequest{Id: revokeID})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				fmt.Fprintf(a.stdout, "revoked token %d of %s\n", resp.GetToken().GetId(), resp.GetToken().GetUser())
				return nil
			})
		},
	}
	revoke.Flags().Int64Var(&revokeID, "token-id", 0, "the token's id (see user tokens)")
	_ = revoke.MarkFlagRequired("token-id")

	tokens := &cobra.Command{
		Use:   "tokens [NAME]",
		Short: "List a user's tokens (never their secrets)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				resp, err := c.Admin.ListTokens(cmd.Context(), &pb.ListTokensRequest{User: name})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tUSER\tCREATED\tREVOKED\tDESCRIPTION")
				for _, t := range resp.GetTokens() {
					revoked := ""
					if t.GetRevokeTime() != nil {
						revoked = t.GetRevokeTime().AsTime().Format("2006-01-02 15:04")
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.GetId(), t.GetUser(), t.GetCreateTime().AsTime().Format("2006-01-02 15:04"), revoked, t.GetDescription())
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, list, token, tokens, revoke)
	return cmd
}

func roleName(r pb.Role) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))
}

func (a *app) whoamiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the user of the token in use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Admin.WhoAmI(cmd.Context(), &pb.WhoAmIRequest{})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp.GetUser())
				}
				fmt.Fprintf(a.stdout, "%s (%s)\n", resp.GetUser().GetName(), roleName(resp.GetUser().GetRole()))
				return nil
			})
		},
	}
}
